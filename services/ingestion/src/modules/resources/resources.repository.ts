import { sql, type Transaction } from 'kysely';
import { newestFirst, type Database, type KeysetCursor } from '@stratus/db';

export interface ResourceFilters {
  provider?: 'AWS' | 'AZURE' | 'GCP' | undefined;
  type?: string | undefined;
  region?: string | undefined;
  state?: string | undefined;
  cloud_account_id?: string | undefined;
  /** tag key=value pairs that must all match (served by the GIN index on tags) */
  tags?: Record<string, string> | undefined;
}

/** Runs under the caller's tenant transaction: row-level security scopes it to one organisation. */
export function listResources(trx: Transaction<Database>, filters: ResourceFilters, limit: number, after?: KeysetCursor) {
  return trx
    .selectFrom('resources')
    .selectAll()
    .$if(filters.provider !== undefined, (q) => q.where('provider', '=', filters.provider!))
    .$if(filters.type !== undefined, (q) => q.where('type', '=', filters.type!))
    .$if(filters.region !== undefined, (q) => q.where('region', '=', filters.region!))
    .$if(filters.state !== undefined, (q) => q.where('state', '=', filters.state!))
    .$if(filters.cloud_account_id !== undefined, (q) => q.where('cloud_account_id', '=', filters.cloud_account_id!))
    .$if(filters.tags !== undefined, (q) => q.where(sql<boolean>`tags @> ${JSON.stringify(filters.tags)}::jsonb`))
    .$call(newestFirst(after, limit))
    .execute();
}
