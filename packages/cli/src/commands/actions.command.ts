import { InvalidArgumentError, Option, type Command } from 'commander';
import { ACTION_STATUSES, ACTION_TYPES } from '@stratus/db';
import { AppError } from '@stratus/http';
import { apiClient, printTable } from '../api-client.ts';

interface ReplayOutcome {
  dry_run: boolean;
  replayed: { action_id: string; replay_of: string; operation_id: string | null }[];
  skipped: { action_id: string; reason: string }[];
}

interface FailedOptions {
  account?: string;
  type?: string;
  errorClass?: string;
  since?: string;
}

function date(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError(`"${value}" is not a date; give e.g. 2026-12-01 or 2026-12-01T09:00:00Z`);
  return new Date(value).toISOString();
}

function withFailedFilters(command: Command): Command {
  return command
    .option('--account <id>', 'only this cloud account')
    .addOption(new Option('--type <action>', 'only this action type').choices(ACTION_TYPES))
    .option('--error-class <class>', 'only this error, e.g. CloudOperationError, CloudThrottledError, CloudUnavailableError')
    .option('--since <date>', 'failed at or after (ISO 8601)', date);
}

function failedFilters(options: FailedOptions): Record<string, string> {
  const pairs = { cloud_account_id: options.account, action_type: options.type, error_class: options.errorClass, since: options.since };
  return Object.fromEntries(Object.entries(pairs).filter((pair): pair is [string, string] => pair[1] !== undefined));
}

function printOutcome(outcome: ReplayOutcome): void {
  const verb = outcome.dry_run ? 'would replay' : 'replayed';
  printTable(outcome.replayed, ['action_id', 'replay_of', ...(outcome.dry_run ? [] : ['operation_id'])]);
  for (const { action_id, reason } of outcome.skipped) console.log(`skipped ${action_id}: ${reason}`);
  console.log(`${verb} ${outcome.replayed.length} action(s)${outcome.skipped.length > 0 ? `, skipped ${outcome.skipped.length}` : ''}`);
}

export function actionsCommand(program: Command): void {
  const actions = program.command('actions').description('actions on resources and their replay (the action executor API, STRATUS_ACTION_EXECUTOR_URL)');

  withFailedFilters(actions.command('list').description('actions, newest first; --failed: the failed ones with their error and attempts, oldest failure first'))
    .option('--failed', 'failed actions, for replay')
    .addOption(new Option('--status <status>', 'actions in this status (without --failed)').choices(ACTION_STATUSES))
    .action(async (options: FailedOptions & { failed?: boolean; status?: string }) => {
      const api = await apiClient('action-executor');
      if (options.failed) {
        const { items } = await api.request<{ items: Record<string, unknown>[] }>('GET', `/v1/actions/failed?${new URLSearchParams(failedFilters(options))}`);
        const rows = items.map((item) => {
          const error = (item.error ?? {}) as { class?: string; message?: string };
          return { ...item, error_class: error.class, error: error.message };
        });
        printTable(rows, ['action_id', 'action_type', 'resource_id', 'attempts', 'failed_at', 'error_class', 'error']);
        return;
      }
      const query = new URLSearchParams({ limit: '100' });
      if (options.status) query.set('status', options.status);
      if (options.type) query.set('action_type', options.type);
      const page = await api.request<{ items: Record<string, unknown>[] }>('GET', `/v1/actions?${query}`);
      printTable(page.items, ['id', 'status', 'action_type', 'resource_id', 'recommendation_id', 'created_at']);
    });

  actions
    .command('show')
    .description('one action: its history and operations (before, after, undo)')
    .argument('<id>')
    .action(async (id: string) => {
      const api = await apiClient('action-executor');
      const action = await api.request<Record<string, unknown> & { history: Record<string, unknown>[]; operations: Record<string, unknown>[] }>('GET', `/v1/actions/${id}`);
      for (const field of ['id', 'status', 'action_type', 'resource_id', 'parameters', 'recommendation_id']) console.log(`${`${field}:`.padEnd(20)}${JSON.stringify(action[field])}`);
      console.log('');
      printTable(action.history, ['executed_at', 'status', 'executed_by', 'details']);
      console.log('');
      printTable(action.operations, ['id', 'status', 'attempts', 'result']);
    });

  withFailedFilters(
    actions
      .command('replay')
      .description('replay failed actions: the ids given, or every failed one since --since (with the other filters); an action that did not fail is never run again')
      .argument('[ids...]'),
  )
    .option('--dry-run', 'list what would be replayed; nothing changes')
    .option('--reason <text>', "kept in each action's history")
    .action(async (ids: string[], options: FailedOptions & { dryRun?: boolean; reason?: string }) => {
      if (ids.length === 0 && options.since === undefined) throw new AppError('invalid', 'give action ids, or --since <date> to replay every failed action since then');
      const api = await apiClient('action-executor');
      const body = {
        ...failedFilters(options),
        ...(ids.length > 0 ? { action_ids: ids } : {}),
        dry_run: options.dryRun === true,
        ...(options.reason ? { reason: options.reason } : {}),
      };
      printOutcome(await api.request<ReplayOutcome>('POST', '/v1/actions/replay', { json: body }));
    });
}
