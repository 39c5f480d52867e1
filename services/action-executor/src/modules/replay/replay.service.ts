import { sql, type Transaction } from 'kysely';
import type { ActionType, Database } from '@stratus/db';
import { transitionAction } from '../actions/actions.service.ts';

type Trx = Transaction<Database>;

export interface FailedFilters {
  cloud_account_id?: string;
  action_type?: ActionType;
  /** The error's class: CloudOperationError, CloudThrottledError, CloudUnavailableError, ... */
  error_class?: string;
  /** Failed at or after. */
  since?: Date;
}

export interface FailedAction {
  action_id: string;
  action_type: ActionType;
  resource_id: string | null;
  cloud_account_id: string | null;
  /** The operation that failed last: what a replay runs again. */
  operation_id: string;
  attempts: number;
  error: { message?: string; class?: string; retryable?: boolean } | null;
  failed_at: Date;
}

/** The longest list one call reads or replays; narrow the filters for more. */
export const FAILED_CAP = 1_000;

/**
 * Failed actions with the operation that failed last (an action replayed and failed again shows
 * its latest failure), oldest failure first, filtered.
 */
export function listFailed(trx: Trx, filters: FailedFilters, ids?: readonly string[]): Promise<FailedAction[]> {
  return trx
    .selectFrom('actions as a')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('operations')
          .select(['id', 'attempts', 'result', 'updated_at', 'status'])
          .whereRef('operations.action_id', '=', 'a.id')
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .as('o'),
      (join) => join.onTrue(),
    )
    .leftJoin('resources as r', 'r.id', 'a.resource_id')
    .select([
      'a.id as action_id',
      'a.action_type',
      'a.resource_id',
      'r.cloud_account_id',
      'o.id as operation_id',
      'o.attempts',
      sql<FailedAction['error']>`o.result -> 'error'`.as('error'),
      'o.updated_at as failed_at',
    ])
    .where('a.status', '=', 'error')
    .where('o.status', '=', 'error')
    .$if(ids !== undefined, (q) => q.where('a.id', 'in', ids!.length > 0 ? ids! : ['00000000-0000-0000-0000-000000000000']))
    .$if(filters.cloud_account_id !== undefined, (q) => q.where('r.cloud_account_id', '=', filters.cloud_account_id!))
    .$if(filters.action_type !== undefined, (q) => q.where('a.action_type', '=', filters.action_type!))
    .$if(filters.error_class !== undefined, (q) => q.where(sql<string>`o.result -> 'error' ->> 'class'`, '=', filters.error_class!))
    .$if(filters.since !== undefined, (q) => q.where('o.updated_at', '>=', filters.since!))
    .orderBy('o.updated_at')
    .orderBy('a.id')
    .limit(FAILED_CAP)
    .execute();
}

export interface ReplayOutcome {
  dry_run: boolean;
  /** What was (or, on a dry run, would be) replayed: a new operation per failed one. */
  replayed: { action_id: string; replay_of: string; operation_id: string | null }[];
  /** Asked for by id, and not failed: a succeeded action is never executed again. */
  skipped: { action_id: string; reason: string }[];
}

/**
 * Replays failed actions: each gets a new operation (a new client token: the failed attempt did
 * nothing at the provider) and goes back to queued, with a history row linking the operation it
 * replays. Only failed actions are replayed, whatever is asked: the row lock and the status check
 * make a replay racing another, or a late success, replay nothing. The caller enqueues the
 * operations after commit.
 */
export async function replayFailed(
  trx: Trx,
  selection: { ids?: readonly string[]; filters: FailedFilters },
  options: { actor: string | null; dry_run: boolean; reason?: string },
): Promise<ReplayOutcome> {
  const failed = await listFailed(trx, selection.filters, selection.ids);
  const found = new Set(failed.map((action) => action.action_id));
  const skipped: ReplayOutcome['skipped'] = [];
  for (const id of selection.ids ?? []) {
    if (found.has(id)) continue;
    const action = await trx.selectFrom('actions').select('status').where('id', '=', id).executeTakeFirst();
    skipped.push({ action_id: id, reason: action ? `action is ${action.status}, not failed` : 'no such action' });
  }
  if (options.dry_run) {
    return { dry_run: true, replayed: failed.map((action) => ({ action_id: action.action_id, replay_of: action.operation_id, operation_id: null })), skipped };
  }
  const replayed: ReplayOutcome['replayed'] = [];
  for (const action of failed) {
    const locked = await trx.selectFrom('actions').select('status').where('id', '=', action.action_id).forUpdate().executeTakeFirstOrThrow();
    if (locked.status !== 'error') {
      skipped.push({ action_id: action.action_id, reason: `action is ${locked.status}, not failed` });
      continue;
    }
    const original = await trx.selectFrom('operations').selectAll().where('id', '=', action.operation_id).executeTakeFirstOrThrow();
    const { id } = await trx
      .insertInto('operations')
      .values({
        organization_id: original.organization_id,
        action_id: original.action_id,
        user_id: options.actor,
        resource_id: original.resource_id,
        operation: original.operation,
        params: JSON.stringify(original.params),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await transitionAction(trx, action.action_id, 'queued', {
      actor: options.actor,
      details: `replay of operation ${original.id}${options.reason ? `: ${options.reason}` : ''}`,
      result: { replay_of: original.id, operation_ids: [id], error: action.error },
    });
    replayed.push({ action_id: action.action_id, replay_of: original.id, operation_id: id });
  }
  return { dry_run: false, replayed, skipped };
}
