import { useState } from 'react';
import { Badge, Group, Paper, Select, Stack, Tabs, Textarea, Title } from '@mantine/core';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { api } from '../api/client.ts';
import { ACTION_STATUSES, type Action, type Approval, type ApprovalRequest, type FailedAction, type Page } from '../api/types.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { DataTable, Pager, useCursorPages } from '../components/DataTable.tsx';
import { dateTime } from '../components/format.ts';
import { QueryState } from '../components/QueryState.tsx';

const STATUS_COLORS: Record<string, string> = { success: 'green', error: 'red', rejected: 'red', awaiting_approval: 'yellow', running: 'blue', queued: 'blue' };
const StatusBadge = ({ status }: { status: string }) => <Badge color={STATUS_COLORS[status] ?? 'gray'}>{status.replaceAll('_', ' ')}</Badge>;

function useRefreshActions() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['action-executor'] });
}

function Answer({ approval }: { approval: Approval }) {
  const refresh = useRefreshActions();
  const [comment, setComment] = useState('');
  // The approver signs off on what they reviewed: the digest of the action as it is now.
  const answer = async (verdict: 'approve' | 'reject') => {
    const request = await api<ApprovalRequest>('action-executor', `/actions/${approval.action_id}/approval`);
    await api('action-executor', `/actions/${approval.action_id}/${verdict}`, { method: 'POST', body: { digest: request.current_digest, ...(comment ? { comment } : {}) } });
    await refresh();
  };
  const what = `${approval.action_type} on resource ${approval.resource_id ?? '(none)'}`;
  const commentField = <Textarea label="Comment" value={comment} onChange={(event) => setComment(event.currentTarget.value)} />;
  return (
    <Group gap="xs" wrap="nowrap">
      <ConfirmButton label="Approve" color="green" title="Approve this action?" message={`Approve ${what}. It runs once the quorum (${approval.quorum}) is reached.`} confirmLabel="Approve" onConfirm={() => answer('approve')} aria-label={`Approve ${what}`}>
        {commentField}
      </ConfirmButton>
      <ConfirmButton label="Reject" color="red" variant="light" title="Reject this action?" message={`Reject ${what}. A comment saying why is required.`} confirmLabel="Reject" onConfirm={() => answer('reject')} aria-label={`Reject ${what}`}>
        {commentField}
      </ConfirmButton>
    </Group>
  );
}

const approvalColumn = createColumnHelper<Approval>();
const approvalColumns = [
  approvalColumn.accessor('action_type', { header: 'Action' }),
  approvalColumn.accessor('resource_id', { header: 'Resource', cell: (info) => info.getValue() ?? '—' }),
  approvalColumn.accessor('requested_at', { header: 'Requested', cell: (info) => dateTime(info.getValue()) }),
  approvalColumn.accessor('expires_at', { header: 'Expires', cell: (info) => dateTime(info.getValue()) }),
  approvalColumn.display({ id: 'answer', header: 'Answer', cell: (info) => <Answer approval={info.row.original} /> }),
];

function PendingApprovals() {
  const approvals = useQuery({
    queryKey: ['action-executor', 'approvals', 'pending'],
    queryFn: () => api<Page<Approval>>('action-executor', '/approvals', { query: { status: 'pending', mine: true, limit: 100 } }),
  });
  return (
    <QueryState query={approvals} label="pending approvals" isEmpty={(page) => page.items.length === 0} empty="Nothing waits for your approval.">
      {(page) => <DataTable data={page.items} columns={approvalColumns} caption="Actions waiting for your approval" getRowId={(row) => row.id} />}
    </QueryState>
  );
}

const actionColumn = createColumnHelper<Action>();
const actionColumns = [
  actionColumn.accessor('action_type', { header: 'Action' }),
  actionColumn.accessor('resource_id', { header: 'Resource', cell: (info) => info.getValue() ?? '—' }),
  actionColumn.accessor('status', { header: 'Status', cell: (info) => <StatusBadge status={info.getValue()} /> }),
  actionColumn.accessor('recommendation_id', { header: 'From', cell: (info) => (info.getValue() ? 'recommendation' : 'request') }),
  actionColumn.accessor('created_at', { header: 'Requested', cell: (info) => dateTime(info.getValue()) }),
];

function ActionList() {
  const [status, setStatus] = useState<string | null>(null);
  const pages = useCursorPages(status ?? '');
  const actions = useQuery({
    queryKey: ['action-executor', 'actions', { status }, pages.cursor],
    queryFn: () => api<Page<Action>>('action-executor', '/actions', { query: { status, limit: 50, cursor: pages.cursor } }),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  return (
    <Stack>
      <Select label="Status" placeholder="Any" data={ACTION_STATUSES} value={status} onChange={setStatus} clearable w={200} />
      <QueryState query={actions} label="actions" isEmpty={(page) => page.items.length === 0} empty="No action yet.">
        {(page) => (
          <div data-testid="actions-table">
            <DataTable data={page.items} columns={actionColumns} caption="Actions, newest first" getRowId={(row) => row.id} />
            <Pager page={pages.page} nextCursor={page.next_cursor} onNext={pages.next} onPrevious={pages.previous} />
          </div>
        )}
      </QueryState>
    </Stack>
  );
}

function Replay({ failed }: { failed: FailedAction }) {
  const refresh = useRefreshActions();
  return (
    <ConfirmButton
      label="Replay"
      title="Replay this action?"
      message={`Runs the ${failed.action_type} again as a new action linked to the failed one.`}
      confirmLabel="Replay"
      aria-label={`Replay ${failed.action_type} ${failed.action_id}`}
      onConfirm={async () => {
        await api('action-executor', `/actions/${failed.action_id}/replay`, { method: 'POST', body: { reason: 'replayed from the console' } });
        await refresh();
      }}
    />
  );
}

const failedColumn = createColumnHelper<FailedAction>();
const failedColumns = [
  failedColumn.accessor('action_type', { header: 'Action' }),
  failedColumn.accessor('resource_id', { header: 'Resource', cell: (info) => info.getValue() ?? '—' }),
  failedColumn.accessor((row) => row.error?.message ?? '—', { id: 'error', header: 'Error' }),
  failedColumn.accessor('attempts', { header: 'Attempts' }),
  failedColumn.accessor('failed_at', { header: 'Failed', cell: (info) => dateTime(info.getValue()) }),
  failedColumn.display({ id: 'replay', header: 'Replay', cell: (info) => <Replay failed={info.row.original} /> }),
];

function FailedActions() {
  const failed = useQuery({ queryKey: ['action-executor', 'actions', 'failed'], queryFn: () => api<{ items: FailedAction[] }>('action-executor', '/actions/failed') });
  return (
    <QueryState query={failed} label="failed actions" isEmpty={(data) => data.items.length === 0} empty="No failed action.">
      {(data) => <DataTable data={data.items} columns={failedColumns} caption="Failed actions" getRowId={(row) => row.action_id} />}
    </QueryState>
  );
}

export default function Actions() {
  return (
    <Stack>
      <Title order={2}>Actions and approvals</Title>
      <Paper withBorder p="md">
        <Tabs defaultValue="approvals" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="approvals">Pending approvals</Tabs.Tab>
            <Tabs.Tab value="actions">All actions</Tabs.Tab>
            <Tabs.Tab value="failed">Failed</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="approvals" pt="md">
            <PendingApprovals />
          </Tabs.Panel>
          <Tabs.Panel value="actions" pt="md">
            <ActionList />
          </Tabs.Panel>
          <Tabs.Panel value="failed" pt="md">
            <FailedActions />
          </Tabs.Panel>
        </Tabs>
      </Paper>
    </Stack>
  );
}
