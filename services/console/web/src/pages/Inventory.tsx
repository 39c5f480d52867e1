import { useMemo, useState } from 'react';
import { Anchor, Badge, Button, Group, Paper, Select, Stack, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createColumnHelper, type SortingState, type Updater } from '@tanstack/react-table';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client.ts';
import { useCloudAccounts } from '../api/queries.ts';
import { PROVIDERS, type Page, type Resource } from '../api/types.ts';
import { DataTable, Pager, useCursorPages } from '../components/DataTable.tsx';
import { money } from '../components/format.ts';
import { QueryState } from '../components/QueryState.tsx';

const PAGE_SIZE = 50;
const FILTERS = ['provider', 'cloud_account_id', 'type', 'region', 'state', 'tag'] as const;
type Filter = (typeof FILTERS)[number];

/** The API sorts (`sort=name`, `sort=-cost_monthly`): the table's sorting state is its address's `sort`. */
const SORTABLE = new Set(['name', 'type', 'region', 'state', 'cost_monthly']);

function sortingOf(sort: string | null): SortingState {
  if (!sort) return [];
  const id = sort.replace(/^-/, '');
  return SORTABLE.has(id) ? [{ id, desc: sort.startsWith('-') }] : [];
}

const column = createColumnHelper<Resource>();
const columns = [
  column.accessor((row) => row.name ?? row.provider_resource_id, {
    id: 'name',
    header: 'Name',
    cell: (info) => (
      <Anchor component={Link} to={`/inventory/${info.row.original.id}`}>
        {info.getValue()}
      </Anchor>
    ),
  }),
  column.accessor('provider', { header: 'Provider', enableSorting: false }),
  column.accessor('type', { header: 'Type' }),
  column.accessor('region', { header: 'Region', cell: (info) => info.getValue() ?? '—' }),
  column.accessor('state', { header: 'State', cell: (info) => (info.getValue() ? <Badge variant="light">{info.getValue()}</Badge> : '—') }),
  column.accessor('tags', {
    header: 'Tags',
    enableSorting: false,
    cell: (info) =>
      Object.entries(info.getValue())
        .slice(0, 3)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ') || '—',
  }),
  column.accessor('cost_monthly', { header: 'Cost / month', cell: (info) => money(info.getValue()) }),
];

export default function Inventory() {
  // Filters live in the address so a filtered view can be shared and survives a reload.
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ''])) as Record<Filter, string>;
  const [text, setText] = useState({ type: filters.type, region: filters.region, state: filters.state, tag: filters.tag });
  const [debounced] = useDebouncedValue(text, 300);
  const sorting = sortingOf(params.get('sort'));
  const sort = sorting[0] ? `${sorting[0].desc ? '-' : ''}${sorting[0].id}` : undefined;
  const query = useMemo(() => ({ ...filters, ...debounced, sort }), [params, debounced]);
  const pages = useCursorPages(JSON.stringify(query));
  const accounts = useCloudAccounts();

  const resources = useQuery({
    queryKey: ['ingestion', 'resources', query, pages.cursor],
    queryFn: () => api<Page<Resource>>('ingestion', '/resources', { query: { ...query, limit: PAGE_SIZE, cursor: pages.cursor } }),
    placeholderData: keepPreviousData,
  });

  const setFilter = (name: Filter | 'sort', value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const setSorting = (updater: Updater<SortingState>) => {
    const [next] = typeof updater === 'function' ? updater(sorting) : updater;
    setFilter('sort', next ? `${next.desc ? '-' : ''}${next.id}` : null);
  };
  const setTextFilter = (name: keyof typeof text, value: string) => {
    setText((current) => ({ ...current, [name]: value }));
    setFilter(name, value);
  };

  return (
    <Stack>
      <Title order={2}>Inventory</Title>
      <Paper withBorder p="sm">
        <Group align="flex-end" gap="sm" role="search" aria-label="Filter resources">
          <Select label="Provider" placeholder="Any" data={PROVIDERS} value={filters.provider || null} onChange={(value) => setFilter('provider', value)} clearable w={120} />
          <Select
            label="Account"
            placeholder="Any"
            data={(accounts.data?.items ?? []).map((account) => ({ value: account.id, label: `${account.name} (${account.provider})` }))}
            value={filters.cloud_account_id || null}
            onChange={(value) => setFilter('cloud_account_id', value)}
            clearable
            searchable
            w={220}
          />
          <TextInput label="Type" placeholder="e.g. vm" value={text.type} onChange={(event) => setTextFilter('type', event.currentTarget.value)} w={140} />
          <TextInput label="Region" value={text.region} onChange={(event) => setTextFilter('region', event.currentTarget.value)} w={140} />
          <TextInput label="State" placeholder="e.g. running" value={text.state} onChange={(event) => setTextFilter('state', event.currentTarget.value)} w={120} />
          <TextInput label="Tag" placeholder="key=value" value={text.tag} onChange={(event) => setTextFilter('tag', event.currentTarget.value)} w={160} />
          <Button
            variant="subtle"
            onClick={() => {
              setText({ type: '', region: '', state: '', tag: '' });
              setParams(new URLSearchParams(), { replace: true });
            }}
          >
            Clear filters
          </Button>
        </Group>
      </Paper>
      <QueryState query={resources} label="resources" isEmpty={(data) => data.items.length === 0} empty="No resource matches these filters.">
        {(data) => (
          <div data-testid="inventory-table" aria-busy={resources.isFetching}>
            <DataTable data={data.items} columns={columns} caption={`Resources, page ${pages.page}`} getRowId={(row) => row.id} sorting={sorting} onSortingChange={setSorting} />
            <Pager page={pages.page} nextCursor={data.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
          </div>
        )}
      </QueryState>
    </Stack>
  );
}
