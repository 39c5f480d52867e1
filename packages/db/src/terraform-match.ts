import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';

/**
 * When a discovered resource (alias r) is the state instance t of state s, as driftctl matches:
 * one of the ids the state gives (id, ARN, self link) is the resource's provider id, and the state
 * names the resource's account or none. The one definition of "managed by Terraform": the
 * ingestion service's coverage and drift, the action executor's policy and the recommendations use it.
 */
export const RESOURCE_IS_INSTANCE = sql<boolean>`(t.provider_ids @> array[r.provider_resource_id] and (s.cloud_account_id is null or s.cloud_account_id = r.cloud_account_id))`;

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
