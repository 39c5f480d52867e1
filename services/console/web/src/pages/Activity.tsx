import { useState } from 'react';
import { Alert, Badge, Group, List, Paper, Stack, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { api } from '../api/client.ts';
import type { ActivityItem, AuditVerification, Page } from '../api/types.ts';
import { DataTable, Pager, useCursorPages } from '../components/DataTable.tsx';
import { dateTime } from '../components/format.ts';
import { QueryState } from '../components/QueryState.tsx';

function AuditChain() {
  const verification = useQuery({ queryKey: ['audit', 'verify'], queryFn: () => api<AuditVerification>('audit', '/audit/verify') });
  return (
    <QueryState query={verification} label="the audit chain's verification">
      {(result) => (
        <Alert
          color={result.valid ? 'green' : 'red'}
          title={result.valid ? 'Audit chain verified' : 'Audit chain broken'}
          data-testid="audit-verification"
          role="status"
        >
          {result.summary} ({result.valid_rows}/{result.rows} rows, {result.valid_checkpoints}/{result.checkpoints} signed checkpoints)
          {result.problems.length > 0 && (
            <List size="sm" mt="xs">
              {result.problems.slice(0, 20).map((problem) => (
                <List.Item key={`${problem.kind}-${problem.sequence}`}>
                  #{problem.sequence} {problem.kind}: {problem.message}
                </List.Item>
              ))}
            </List>
          )}
        </Alert>
      )}
    </QueryState>
  );
}

const column = createColumnHelper<ActivityItem>();
const columns = [
  column.accessor('created_at', { header: 'When', cell: (info) => dateTime(info.getValue()) }),
  column.accessor('type', { header: 'Event', cell: (info) => <Badge variant="light">{info.getValue()}</Badge> }),
  column.accessor('summary', { header: 'What happened' }),
  column.accessor('actor', { header: 'Actor', cell: (info) => info.getValue() ?? 'system' }),
  column.accessor('status', { header: 'Status', cell: (info) => info.getValue() ?? '—' }),
];

export default function Activity() {
  const [filters, setFilters] = useState({ type: '', actor: '', resource: '' });
  const [debounced] = useDebouncedValue(filters, 300);
  const pages = useCursorPages(JSON.stringify(debounced));
  const activity = useQuery({
    queryKey: ['audit', 'activity', debounced, pages.cursor],
    queryFn: () => api<Page<ActivityItem>>('audit', '/activity', { query: { ...debounced, limit: 50, cursor: pages.cursor } }),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  const field = (name: keyof typeof filters, label: string, placeholder?: string) => (
    <TextInput label={label} placeholder={placeholder} value={filters[name]} onChange={(event) => setFilters({ ...filters, [name]: event.currentTarget.value })} />
  );

  return (
    <Stack>
      <Title order={2}>Activity and audit</Title>
      <AuditChain />
      <Paper withBorder p="sm">
        <Group role="search" aria-label="Filter activity">
          {field('type', 'Event type', 'e.g. action.executed')}
          {field('actor', 'Actor')}
          {field('resource', 'Resource')}
        </Group>
      </Paper>
      <QueryState query={activity} label="activity" isEmpty={(page) => page.items.length === 0} empty="No activity matches.">
        {(page) => (
          <div data-testid="activity-table">
            <DataTable data={page.items} columns={columns} caption="Activity, newest first" getRowId={(row) => row.id} />
            <Pager page={pages.page} nextCursor={page.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
          </div>
        )}
      </QueryState>
    </Stack>
  );
}
