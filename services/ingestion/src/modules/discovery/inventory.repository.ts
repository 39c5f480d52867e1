import { sql, type Transaction } from 'kysely';
import type { DiscoveredResource } from '@stratus/cloud';
import { lookUpByKey, type CloudProvider, type Database } from '@stratus/db';

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

/** What the database decides about a stored resource; the rest is what the adapter discovered. */
export interface StoredFields {
  id: string;
  cost_daily: string;
  cost_monthly: string;
  discovered_at: Date;
  last_seen: Date;
}

/** A resource as stored, in the shape resource.discovered carries it. */
export type StoredResource = StoredFields & {
  provider_resource_id: string;
  name: string | null;
  type: string;
  region: string | null;
  zone: string | null;
  state: string | null;
  tags: Record<string, string>;
  metadata: Record<string, unknown>;
};

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
 * Utilisation moves every day; it is stored with the resource but its values are not a change of
 * the resource, or every sync of an unchanged fleet would announce every resource again. Its
 * coming or going is (changed field `utilization`): the rules that read it then judge the
 * resource again at once, rather than keep a recommendation made from metrics no longer there.
 */
const VOLATILE_METADATA = 'utilization';

/**
 * Upserts one batch of discovered resources (one statement, the batch sent as one JSON document) and
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
  const metadata = unique.map((resource) =>
    resource.utilization ? { ...resource.metadata, [VOLATILE_METADATA]: resource.utilization } : resource.metadata,
  );
  // One JSON document rather than an array parameter per column: pg escapes every element of a
  // text[] or jsonb[] (tags and metadata are full of quotes), which cost more than the statement.
  const input = JSON.stringify(
    unique.map(({ provider_resource_id, name, type, region, zone, state, tags }, index) => ({
      provider_resource_id, name, type, region, zone, state, tags, metadata: metadata[index], position: index + 1,
    })),
  );

  // An organisation's first large sync fills the table faster than it is analyzed: without this
  // the sync turns quadratic (100k resources: minutes, not seconds).
  await lookUpByKey(trx);
  // Only what PostgreSQL decides comes back (ids, costs, times, what changed): the rest of each
  // resource is what was sent, and reading its tags and metadata back would parse them again.
  const { rows } = await sql<StoredFields & { position: number; created: boolean; changed_fields: string[] }>`
    with input as (
      select *
        from json_to_recordset(${input}::json)
          as i (provider_resource_id text, name text, type text, region text, zone text, state text,
                tags jsonb, metadata jsonb, position integer)
    ),
    previous as (
      select i.provider_resource_id, i.position, r.id, r.name, r.type, r.region, r.zone, r.state, r.tags, r.metadata, r.measured
        from input i
        -- One probe of the unique index per input row. As a plain join the planner read and
        -- sorted every resource of the account for each batch; LIMIT keeps the subquery from
        -- being flattened back into that join.
        left join lateral (
          select r.id, r.name, r.type, r.region, r.zone, r.state, r.tags, r.metadata - ${VOLATILE_METADATA}::text as metadata,
                 r.metadata ? ${VOLATILE_METADATA}::text as measured
            from resources r
           where r.cloud_account_id = ${account.id} and r.provider_resource_id = i.provider_resource_id
           limit 1
        ) r on true
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
      select p.position, u.id, u.cost_daily, u.cost_monthly, u.discovered_at, u.last_seen, p.id is null as created,
             array_remove(array[
               case when p.name is distinct from u.name then 'name' end,
               case when p.type is distinct from u.type then 'type' end,
               case when p.region is distinct from u.region then 'region' end,
               case when p.zone is distinct from u.zone then 'zone' end,
               case when p.state is distinct from u.state then 'state' end,
               case when p.tags is distinct from u.tags then 'tags' end,
               case when p.metadata is distinct from (u.metadata - ${VOLATILE_METADATA}::text) then 'metadata' end,
               case when p.measured is distinct from (u.metadata ? ${VOLATILE_METADATA}::text) then ${VOLATILE_METADATA}::text end
             ], null) as changed_fields
        from upserted u
        join previous p using (provider_resource_id)
    )
    select * from compared where created or cardinality(changed_fields) > 0
  `.execute(trx);

  return rows.map(({ position, created, changed_fields, ...stored }) => {
    const index = position - 1;
    const { provider_resource_id, name, type, region, zone, state, tags } = unique[index]!;
    const resource: StoredResource = { ...stored, provider_resource_id, name, type, region, zone, state, tags, metadata: metadata[index]! };
    return created ? { resource, change: 'created', changed_fields: [] } : { resource, change: 'updated', changed_fields };
  });
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
