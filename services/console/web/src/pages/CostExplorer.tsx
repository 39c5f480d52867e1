import { useMemo } from 'react';
import { Anchor, Button, Group, Paper, Select, Stack, Table, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useSearchParams } from 'react-router';
import { apiUrl } from '../api/client.ts';
import { useBreakdown } from '../api/queries.ts';
import { PROVIDERS } from '../api/types.ts';
import { groupLabel, StackedChart } from '../components/charts.tsx';
import { isoDay, money, monthStart } from '../components/format.ts';
import { QueryState } from '../components/QueryState.tsx';

const GROUPS = ['service', 'provider', 'account', 'region', 'resource'];
const GRANULARITIES = ['day', 'month', 'total'];
/** Lines shown under the chart; the chart draws every line of the page, the CSV has all of them. */
const TABLE_LINES = 100;

export default function CostExplorer() {
  // The view lives in the address: a link to it shows the same numbers.
  const [params, setParams] = useSearchParams();
  const value = (name: string, fallback = '') => params.get(name) ?? fallback;
  const set = (name: string, next: string | null) => {
    const updated = new URLSearchParams(params);
    if (next) updated.set(name, next);
    else updated.delete(name);
    setParams(updated, { replace: true });
  };
  // One object per address, so the debounce below waits for typing to stop rather than for renders.
  const search = params.toString();
  const filters = useMemo(() => ({
    group_by: value('group_by', 'service'),
    granularity: value('granularity', 'day'),
    from: value('from', isoDay(monthStart(-1))),
    to: value('to', isoDay(monthStart(1))),
    provider: value('provider'),
    service: value('service'),
    region: value('region'),
    tag: value('tag'),
  }), [search]);
  const [debounced] = useDebouncedValue(filters, 300);
  const breakdown = useBreakdown({ ...debounced, limit: 500 });
  const { group_by, granularity, from, to, provider, service, region, tag } = debounced;
  const exportUrl = apiUrl('cost', '/costs/export', { group_by, granularity, from, to, provider, service, region, tag });

  return (
    <Stack>
      <Title order={2}>Cost explorer</Title>
      <Paper withBorder p="sm">
        <Group align="flex-end" gap="sm" role="search" aria-label="Cost filters">
          <Select
            label="Group by"
            data={[...GROUPS, ...(filters.group_by.startsWith('tag:') ? [filters.group_by] : [])]}
            value={filters.group_by}
            onChange={(next) => set('group_by', next)}
            allowDeselect={false}
            w={140}
          />
          <TextInput label="or tag key" placeholder="team" onChange={(event) => set('group_by', event.currentTarget.value ? `tag:${event.currentTarget.value}` : 'service')} w={110} />
          <Select label="Granularity" data={GRANULARITIES} value={filters.granularity} onChange={(next) => set('granularity', next)} allowDeselect={false} w={110} />
          <TextInput label="From" type="date" value={filters.from} onChange={(event) => set('from', event.currentTarget.value)} />
          <TextInput label="To (exclusive)" type="date" value={filters.to} onChange={(event) => set('to', event.currentTarget.value)} />
          <Select label="Provider" placeholder="Any" data={PROVIDERS} value={filters.provider || null} onChange={(next) => set('provider', next)} clearable w={110} />
          <TextInput label="Service" value={filters.service} onChange={(event) => set('service', event.currentTarget.value)} w={130} />
          <TextInput label="Region" value={filters.region} onChange={(event) => set('region', event.currentTarget.value)} w={120} />
          <TextInput label="Tag" placeholder="key=value" value={filters.tag} onChange={(event) => set('tag', event.currentTarget.value)} w={130} />
          <Button component="a" href={exportUrl} download variant="light">
            Download CSV
          </Button>
        </Group>
      </Paper>
      <QueryState query={breakdown} label="costs" isEmpty={(page) => page.items.length === 0} empty="No cost in this range with these filters.">
        {(page) => (
          <Stack>
            <Paper withBorder p="md">
              <StackedChart items={page.items} currency={page.items[0]?.currency ?? 'USD'} label={`Cost by ${page.group_by.join(', ')} per ${page.granularity}`} />
            </Paper>
            <Paper withBorder p="md">
              <Table striped data-testid="cost-table">
                <Table.Caption>
                  {page.from} to {page.to}
                  {page.items.length > TABLE_LINES && (
                    <>
                      {' '}
                      (the first {TABLE_LINES} lines; <Anchor href={exportUrl}>the CSV has them all</Anchor>)
                    </>
                  )}
                </Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Period</Table.Th>
                    <Table.Th>{page.group_by.join(' / ') || 'Group'}</Table.Th>
                    <Table.Th ta="right">Amount</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.slice(0, TABLE_LINES).map((item) => (
                    <Table.Tr key={`${item.period}-${groupLabel(item.group)}-${item.currency}`}>
                      <Table.Td>{item.period}</Table.Td>
                      <Table.Td>{groupLabel(item.group)}</Table.Td>
                      <Table.Td ta="right">{money(item.amount, item.currency)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
