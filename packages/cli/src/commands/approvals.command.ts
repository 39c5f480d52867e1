import { Option, type Command } from 'commander';
import { APPROVAL_STATUSES } from '@stratus/db';
import { apiClient, printTable, type ApiClient } from '../api-client.ts';

interface ApprovalRequest {
  digest: string;
  current_digest: string;
  action_type: string;
  resource_id: string;
  parameters: unknown;
  reasons: string[];
  quorum: number;
  expires_at: string;
}

/**
 * The digest given, or the one of the request as it stands after printing what is being answered,
 * so the answer covers exactly what the approver was shown.
 */
async function reviewed(api: ApiClient, actionId: string, given: string | undefined): Promise<string> {
  if (given) return given;
  const request = await api.request<ApprovalRequest>('GET', `/v1/actions/${actionId}/approval`);
  process.stderr.write(
    `${request.action_type} on ${request.resource_id} with ${JSON.stringify(request.parameters)} (quorum ${request.quorum}, expires ${request.expires_at}; ${request.reasons.join('; ')})\n`,
  );
  return request.digest;
}

export function approvalsCommand(program: Command): void {
  const approvals = program.command('approvals').description('actions waiting for approval (the action executor API, STRATUS_ACTION_EXECUTOR_URL)');

  approvals
    .command('list')
    .description('approvers asked, newest first: by default what is still pending for you')
    .addOption(new Option('--status <status>', 'answer status').choices(APPROVAL_STATUSES).default('pending'))
    .option('--all', "every approver's, not only yours")
    .action(async (options: { status: string; all?: boolean }) => {
      const api = await apiClient('action-executor');
      const query = new URLSearchParams({ status: options.status, limit: '500', ...(options.all ? {} : { mine: 'true' }) });
      const page = await api.request<{ items: Record<string, unknown>[] }>('GET', `/v1/approvals?${query}`);
      printTable(page.items, ['action_id', 'action_type', 'resource_id', 'status', 'approver_id', 'quorum', 'expires_at', 'comments']);
    });

  for (const [verdict, past] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    const command = approvals
      .command(verdict)
      .description(`${verdict} an action (its id, as listed); without --digest, what you answer is printed first and its digest sent`)
      .argument('<action-id>')
      .option('--digest <digest>', 'the digest of the action you reviewed (GET /v1/actions/:id/approval)');
    if (verdict === 'approve') command.option('--comment <text>', 'a note for the requester');
    else command.requiredOption('--comment <text>', 'why: the requester reads it');
    command.action(async (actionId: string, options: { digest?: string; comment?: string }) => {
      const api = await apiClient('action-executor');
      const digest = await reviewed(api, actionId, options.digest);
      const outcome = await api.request<{ action_status: string; approved: number; quorum: number }>('POST', `/v1/actions/${actionId}/${verdict}`, {
        json: { digest, ...(options.comment === undefined ? {} : { comment: options.comment }) },
      });
      console.log(`${past}: the action is ${outcome.action_status} (${outcome.approved} of ${outcome.quorum} approvals)`);
    });
  }
}
