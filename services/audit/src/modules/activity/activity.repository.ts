import type { Transaction } from 'kysely';
import { newestFirst, type Database } from '@stratus/db';
import type { KeysetCursor } from '@stratus/db';

export interface ActivityFilters {
  actor?: string;
  type?: string;
  /** The subject: a resource, account, action or route's id. */
  resource?: string;
  status?: string;
  trace_id?: string;
  from?: Date;
  to?: Date;
}

/** The organisation's activity matching the filters, newest first, one page past `after`. */
export function listActivity(trx: Transaction<Database>, filters: ActivityFilters, after: KeysetCursor | undefined, limit: number) {
  const { actor, type, resource, status, trace_id, from, to } = filters;
  return trx
    .selectFrom('activity_log')
    .selectAll()
    .$if(actor !== undefined, (q) => q.where('actor', '=', actor!))
    .$if(type !== undefined, (q) => q.where('type', '=', type!))
    .$if(resource !== undefined, (q) => q.where('subject', '=', resource!))
    .$if(status !== undefined, (q) => q.where('status', '=', status!))
    .$if(trace_id !== undefined, (q) => q.where('trace_id', '=', trace_id!))
    .$if(from !== undefined, (q) => q.where('created_at', '>=', from!))
    .$if(to !== undefined, (q) => q.where('created_at', '<', to!))
    .$call(newestFirst(after, limit))
    .execute();
}
