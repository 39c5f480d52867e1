import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';

/**
 * When a discovered resource (alias r) is the state instance t of state s, as driftctl matches:
 * one of the ids the state gives (id, ARN, self link) is the resource's provider id, and the state
 * names the resource's account or none. The one definition of "managed by Terraform", in two
 * forms: this predicate, for a few resources (a probe of the GIN index on provider_ids each), and
 * terraformMatches, the same pairs for a whole account.
 */
export const RESOURCE_IS_INSTANCE = sql<boolean>`(t.provider_ids @> array[r.provider_resource_id] and (s.cloud_account_id is null or s.cloud_account_id = r.cloud_account_id))`;

/**
 * Every (discovered resource, state instance) pair of RESOURCE_IS_INSTANCE, of one account or all:
 * each instance's ids unnested and looked up in the resources' unique index. Joined on the
 * containment instead, PostgreSQL can only probe the GIN index once per resource or compare every
 * pair (2,000 resources: 0.4 to 0.9 s; this: 17 ms).
 */
export function terraformMatches(cloudAccountId?: string) {
  return sql<{ resource_id: string; cloud_account_id: string; terraform_resource_id: string }>`
    select r.id as resource_id, r.cloud_account_id, t.id as terraform_resource_id
      from terraform_resources t
      cross join lateral unnest(t.provider_ids) as p (provider_id)
      join terraform_states s on s.id = t.terraform_state_id
      join resources r on r.provider_resource_id = p.provider_id and (s.cloud_account_id is null or s.cloud_account_id = r.cloud_account_id)
     ${cloudAccountId === undefined ? sql`` : sql`where r.cloud_account_id = ${cloudAccountId}`}
  `;
}

export interface ManagingInstance {
  resource_id: string;
  terraform_resource_id: string;
  terraform_state_id: string;
  address: string;
  type: string;
}

/** The state instance managing each of these resources (the first by address when several states claim one). */
export async function managingInstances(trx: Transaction<Database>, resourceIds: readonly string[]): Promise<ManagingInstance[]> {
  if (resourceIds.length === 0) return [];
  const { rows } = await sql<ManagingInstance>`
    select distinct on (r.id) r.id as resource_id, t.id as terraform_resource_id, t.terraform_state_id, t.address, t.type
      from resources r
      join terraform_resources t on t.provider_ids @> array[r.provider_resource_id]
      join terraform_states s on s.id = t.terraform_state_id
     where r.id = any(${resourceIds}::uuid[]) and ${RESOURCE_IS_INSTANCE}
     order by r.id, t.address
  `.execute(trx);
  return rows;
}
