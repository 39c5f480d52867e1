import { sql, type Transaction } from 'kysely';
import { keysetPage, type Database, type KeysetCursor, type KeysetOrder } from '@stratus/db';

export interface ResourceFilters {
  provider?: 'AWS' | 'AZURE' | 'GCP' | undefined;
  type?: string | undefined;
  region?: string | undefined;
  state?: string | undefined;
  cloud_account_id?: string | undefined;
  /** tag key=value pairs that must all match (served by the GIN index on tags) */
  tags?: Record<string, string> | undefined;
}

/** What the inventory sorts by; `-` first is descending. A resource without a name sorts by its provider id, as lists show it. */
export const RESOURCE_SORTS = ['-created_at', 'created_at', 'name', '-name', 'type', '-type', 'region', '-region', 'state', '-state', 'cost_monthly', '-cost_monthly'] as const;
export type ResourceSort = (typeof RESOURCE_SORTS)[number];

const SORT_KEYS: Record<string, Omit<KeysetOrder, 'direction'>> = {
  created_at: { key: sql`created_at`, type: 'timestamptz' },
  name: { key: sql`coalesce(name, provider_resource_id)`, type: 'text' },
  type: { key: sql`type`, type: 'text' },
  region: { key: sql`coalesce(region, '')`, type: 'text' },
  state: { key: sql`coalesce(state, '')`, type: 'text' },
  cost_monthly: { key: sql`cost_monthly`, type: 'numeric' },
};

export function resourceOrder(sort: ResourceSort): KeysetOrder {
  const descending = sort.startsWith('-');
  return { ...SORT_KEYS[descending ? sort.slice(1) : sort]!, direction: descending ? 'desc' : 'asc' };
}

/** Runs under the caller's tenant transaction: row-level security scopes it to one organisation. */
export function listResources(trx: Transaction<Database>, filters: ResourceFilters, page: { sort: ResourceSort; limit: number; after: KeysetCursor | undefined }) {
  return trx
    .selectFrom('resources')
    .selectAll()
    .$if(filters.provider !== undefined, (q) => q.where('provider', '=', filters.provider!))
    .$if(filters.type !== undefined, (q) => q.where('type', '=', filters.type!))
    .$if(filters.region !== undefined, (q) => q.where('region', '=', filters.region!))
    .$if(filters.state !== undefined, (q) => q.where('state', '=', filters.state!))
    .$if(filters.cloud_account_id !== undefined, (q) => q.where('cloud_account_id', '=', filters.cloud_account_id!))
    .$if(filters.tags !== undefined, (q) => q.where(sql<boolean>`tags @> ${JSON.stringify(filters.tags)}::jsonb`))
    .$call(keysetPage(resourceOrder(page.sort), page.after, page.limit))
    .execute();
}
