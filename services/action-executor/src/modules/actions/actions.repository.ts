import type { Transaction } from 'kysely';
import { newestFirst, type ActionStatus, type ActionType, type Database, type KeysetCursor } from '@stratus/db';

type Trx = Transaction<Database>;

export interface ActionFilters {
  status?: ActionStatus;
  action_type?: ActionType;
  resource_id?: string;
  recommendation_id?: string;
}

export function listActions(trx: Trx, filters: ActionFilters, page: { after: KeysetCursor | undefined; limit: number }) {
  return trx
    .selectFrom('actions')
    .selectAll()
    .$if(filters.status !== undefined, (q) => q.where('status', '=', filters.status!))
    .$if(filters.action_type !== undefined, (q) => q.where('action_type', '=', filters.action_type!))
    .$if(filters.resource_id !== undefined, (q) => q.where('resource_id', '=', filters.resource_id!))
    .$if(filters.recommendation_id !== undefined, (q) => q.where('recommendation_id', '=', filters.recommendation_id!))
    .$call(newestFirst(page.after, page.limit))
    .execute();
}

/** The action with its history (oldest first) and its operations (oldest first: the original, then replays). */
export async function getAction(trx: Trx, id: string) {
  const action = await trx.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!action) return undefined;
  const [history, operations] = await Promise.all([
    trx.selectFrom('action_history').selectAll().where('action_id', '=', id).orderBy('executed_at').orderBy('id').execute(),
    trx.selectFrom('operations').selectAll().where('action_id', '=', id).orderBy('created_at').orderBy('id').execute(),
  ]);
  return { ...action, history, operations };
}
