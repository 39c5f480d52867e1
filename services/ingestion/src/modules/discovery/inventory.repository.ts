import { sql, type Transaction } from 'kysely';
import type { DiscoveredResource } from '@stratus/cloud';
import type { CloudProvider, Database } from '@stratus/db';

export interface InventoryAccount {
  id: string;
  organization_id: string;
  provider: CloudProvider;
}

/** An account as an adapter is built for it: discovery and provider cost pulls both start here. */
export function findSyncableAccount(trx: Transaction<Database>, id: string) {
  return trx
    .selectFrom('cloud_accounts')
    .select(['id', 'organization_id', 'provider', 'account_id', 'status', 'settings'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A resource as stored, in the shape resource.discovered carries it. */
export interface StoredResource {
  id: string;
  provider_resource_id: string;
  name: string | null;
  type: string;
  region: string | null;
  zone: string | null;
  state: string | null;
  tags: Record<string, string>;
  metadata: Record<string, unknown>;
  cost_daily: string;
  cost_monthly: string;
  discovered_at: Date;
  last_seen: Date;
}

export interface ResourceChange {
  resource: StoredResource;
  change: 'created' | 'updated';
  /** For updates: the fields whose value differs from what was stored. */
  changed_fields: string[];
}

export interface RemovedResource {
  id: string;
  provider_resource_id: string;
  last_seen: Date;
}

/**
 * Utilisation moves every day; it is stored with the resource but is not a change of the resource,
 * or every sync of an unchanged fleet would announce every resource again.
 */
const VOLATILE_METADATA = 'utilization';

/**
 * Upserts one batch of discovered resources (one statement, arrays unnested server-side) and
 * returns only those that are new or differ from what was stored, with the fields that changed.
 * Every resource of the batch gets last_seen = now(), which is what removal is decided by.
 * The comparison reads the rows as they were before this statement (a CTE sees the statement's
 * starting snapshot), so no second round trip is needed.
 */
export async function upsertResources(
  trx: Transaction<Database>,
  account: InventoryAccount,
  batch: readonly DiscoveredResource[],
): Promise<ResourceChange[]> {
  // ON CONFLICT cannot touch one row twice in a statement: the last sighting in a batch wins.
  const unique = [...new Map(batch.map((resource) => [resource.provider_resource_id, resource])).values()];
  const column = <K extends keyof DiscoveredResource>(key: K) => unique.map((resource) => resource[key] ?? null);
  const metadata = unique.map((resource) =>
    JSON.stringify(resource.utilization ? { ...resource.metadata, [VOLATILE_METADATA]: resource.utilization } : resource.metadata),
  );

  const { rows } = await sql<StoredResource & { created: boolean; changed_fields: string[] }>`
    with input as (
      select *
        from unnest(${column('provider_resource_id')}::text[], ${column('name')}::text[], ${column('type')}::text[],
                    ${column('region')}::text[], ${column('zone')}::text[], ${column('state')}::text[],
                    ${unique.map((resource) => JSON.stringify(resource.tags))}::jsonb[], ${metadata}::jsonb[])
          as i (provider_resource_id, name, type, region, zone, state, tags, metadata)
    ),
    previous as (
      select i.provider_resource_id, r.id, r.name, r.type, r.region, r.zone, r.state, r.tags,
             r.metadata - ${VOLATILE_METADATA}::text as metadata
        from input i
        left join resources r on r.cloud_account_id = ${account.id} and r.provider_resource_id = i.provider_resource_id
    ),
    upserted as (
      insert into resources as r
        (organization_id, cloud_account_id, provider, provider_resource_id, name, type, region, zone, state, tags, metadata)
      select ${account.organization_id}, ${account.id}, ${account.provider}::cloud_provider,
             i.provider_resource_id, i.name, i.type, i.region, i.zone, i.state, i.tags, i.metadata
        from input i
      on conflict (cloud_account_id, provider_resource_id) do update
        set name = excluded.name, type = excluded.type, region = excluded.region, zone = excluded.zone,
            state = excluded.state, tags = excluded.tags, metadata = excluded.metadata, last_seen = now()
      returning r.id, r.provider_resource_id, r.name, r.type, r.region, r.zone, r.state, r.tags, r.metadata,
                r.cost_daily, r.cost_monthly, r.discovered_at, r.last_seen
    ),
    compared as (
      select u.*, p.id is null as created,
             array_remove(array[
               case when p.name is distinct from u.name then 'name' end,
               case when p.type is distinct from u.type then 'type' end,
               case when p.region is distinct from u.region then 'region' end,
               case when p.zone is distinct from u.zone then 'zone' end,
               case when p.state is distinct from u.state then 'state' end,
               case when p.tags is distinct from u.tags then 'tags' end,
               case when p.metadata is distinct from (u.metadata - ${VOLATILE_METADATA}::text) then 'metadata' end
             ], null) as changed_fields
        from upserted u
        join previous p using (provider_resource_id)
    )
    select * from compared where created or cardinality(changed_fields) > 0
  `.execute(trx);

  return rows.map(({ created, changed_fields, ...resource }) =>
    created ? { resource, change: 'created', changed_fields: [] } : { resource, change: 'updated', changed_fields },
  );
}

/**
 * Deletes the account's resources not seen since `since` (the start of a sync that went through
 * the whole inventory). Cost lines and recommendations keep their history: their resource_id is
 * set null by the foreign keys, their provider ids stay.
 */
export async function removeUnseenResources(
  trx: Transaction<Database>,
  cloudAccountId: string,
  since: Date,
): Promise<RemovedResource[]> {
  return trx
    .deleteFrom('resources')
    .where('cloud_account_id', '=', cloudAccountId)
    .where('last_seen', '<', since)
    .returning(['id', 'provider_resource_id', 'last_seen'])
    .execute();
}
