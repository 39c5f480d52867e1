import { useState } from 'react';
import { Badge, Group, Select, Stack, Textarea, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { api, ApiError } from '../api/client.ts';
import { DISMISS_REASONS, PROVIDERS, RECOMMENDATION_STATUSES, type Page, type Recommendation } from '../api/types.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { DataTable, Pager, useCursorPages } from '../components/DataTable.tsx';
import { isoDay, money } from '../components/format.ts';
import { QueryState } from '../components/QueryState.tsx';

type Decision = { kind: 'apply' } | { kind: 'dismiss'; reason_code: string; note?: string } | { kind: 'snooze'; until: string; note?: string };

function useDecide() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ recommendation, decision }: { recommendation: Recommendation; decision: Decision }) => {
      const { kind, ...rest } = decision;
      return api('recommendation', `/recommendations/${recommendation.id}/${kind}`, { method: 'POST', body: { etag: recommendation.etag, ...rest } });
    },
    onSuccess: () => Promise.all([queryClient.invalidateQueries({ queryKey: ['recommendation'] }), queryClient.invalidateQueries({ queryKey: ['action-executor'] })]),
    // The recommendation changed since it was listed (a re-evaluation gave it a new etag): the list is
    // read again, so the dialog, which stays open with the reason, confirms the current version.
    onError: (error) => (error instanceof ApiError && error.status === 409 ? queryClient.invalidateQueries({ queryKey: ['recommendation'] }) : undefined),
  });
}

function Decisions({ recommendation }: { recommendation: Recommendation }) {
  const decide = useDecide();
  const [reason, setReason] = useState<string>('not_applicable');
  const [note, setNote] = useState('');
  const [until, setUntil] = useState(isoDay(new Date(Date.now() + 30 * 86_400_000)));
  if (recommendation.status !== 'open') return null;
  const run = (decision: Decision) => decide.mutateAsync({ recommendation, decision });
  return (
    <Group gap="xs" wrap="nowrap">
      {recommendation.action && (
        <ConfirmButton
          label="Apply"
          title="Apply this recommendation?"
          message={`Requests the ${recommendation.action.type} action on the resource. It runs, or waits for approval if the action policy asks for one.`}
          confirmLabel="Apply"
          onConfirm={() => run({ kind: 'apply' })}
          aria-label={`Apply: ${recommendation.title}`}
        />
      )}
      <ConfirmButton
        label="Dismiss"
        variant="default"
        title="Dismiss this recommendation"
        message="It leaves the open list; the reason is kept in the audit trail."
        confirmLabel="Dismiss"
        onConfirm={() => run({ kind: 'dismiss', reason_code: reason, ...(note ? { note } : {}) })}
        aria-label={`Dismiss: ${recommendation.title}`}
      >
        <Select label="Reason" data={DISMISS_REASONS.map((value) => ({ value, label: value.replaceAll('_', ' ') }))} value={reason} onChange={(value) => setReason(value ?? 'other')} allowDeselect={false} />
        <Textarea label="Note" value={note} onChange={(event) => setNote(event.currentTarget.value)} />
      </ConfirmButton>
      <ConfirmButton
        label="Snooze"
        variant="default"
        title="Snooze this recommendation"
        message="It reopens on the chosen day."
        confirmLabel="Snooze"
        onConfirm={() => run({ kind: 'snooze', until: new Date(`${until}T00:00:00Z`).toISOString() })}
        aria-label={`Snooze: ${recommendation.title}`}
      >
        <TextInput label="Until" type="date" value={until} onChange={(event) => setUntil(event.currentTarget.value)} />
      </ConfirmButton>
    </Group>
  );
}

const column = createColumnHelper<Recommendation>();
const columns = [
  column.accessor('title', { header: 'Recommendation' }),
  column.accessor('provider', { header: 'Provider' }),
  column.accessor('priority_level', { header: 'Priority', cell: (info) => <Badge color={info.getValue() === 'high' ? 'red' : info.getValue() === 'medium' ? 'yellow' : 'gray'}>{info.getValue()}</Badge> }),
  column.accessor('estimated_savings', { header: 'Savings / month', cell: (info) => money(info.getValue(), info.row.original.currency ?? 'USD') }),
  column.accessor('status', { header: 'Status' }),
  column.display({ id: 'decide', header: 'Decide', cell: (info) => <Decisions recommendation={info.row.original} /> }),
];

export default function Recommendations() {
  const [status, setStatus] = useState<string | null>('open');
  const [provider, setProvider] = useState<string | null>(null);
  const filters = { status, provider };
  const pages = useCursorPages(JSON.stringify(filters));
  // The API answers largest savings first: that is the order a FinOps reviewer works in.
  const recommendations = useQuery({
    queryKey: ['recommendation', 'recommendations', filters, pages.cursor],
    queryFn: () => api<Page<Recommendation>>('recommendation', '/recommendations', { query: { ...filters, limit: 50, cursor: pages.cursor } }),
    placeholderData: keepPreviousData,
  });

  return (
    <Stack>
      <Title order={2}>Recommendations</Title>
      <Group role="search" aria-label="Filter recommendations">
        <Select label="Status" placeholder="Any" data={RECOMMENDATION_STATUSES} value={status} onChange={setStatus} clearable w={160} />
        <Select label="Provider" placeholder="Any" data={PROVIDERS} value={provider} onChange={setProvider} clearable w={140} />
      </Group>
      <QueryState query={recommendations} label="recommendations" isEmpty={(page) => page.items.length === 0} empty="No recommendation with these filters.">
        {(page) => (
          <div data-testid="recommendations-table">
            <DataTable data={page.items} columns={columns} caption="Recommendations, largest savings first" getRowId={(row) => row.id} />
            <Pager page={pages.page} nextCursor={page.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
          </div>
        )}
      </QueryState>
    </Stack>
  );
}
