import { sql, type Transaction } from 'kysely';
import { newestFirst, RESOURCE_IS_INSTANCE, terraformMatches, type CloudProvider, type Database, type KeysetCursor } from '@stratus/db';
import { TERRAFORM_TYPES } from '@stratus/cloud';
import type { ParsedResource } from './state.parser.ts';

type Trx = Transaction<Database>;

/** Only types discovery finds can be missing (driftctl too compares only the types it supports). */
const DISCOVERED_TYPES = Object.keys(TERRAFORM_TYPES);

/**
 * State instances (alias t, of state s) that no discovered resource is: in the state, gone from the
 * cloud. A security group or an IAM role is in no inventory, so it is not missing from it.
 */
function missingFrom(matches: ReturnType<typeof terraformMatches>) {
  return sql<boolean>`t.type = any(${DISCOVERED_TYPES}::text[]) and t.id not in (select m.terraform_resource_id from (${matches}) m)`;
}

/**
 * Replaces the parsed instances of a state with `resources`: an address already known keeps its
 * row (and the drift already reported for it), an address no longer in the state goes.
 */
export async function replaceStateResources(trx: Trx, state: { id: string; organization_id: string }, resources: readonly ParsedResource[]): Promise<void> {
  const input = JSON.stringify(resources);
  await sql`
    with input as (
      select * from json_to_recordset(${input}::json)
        as i (address text, module_path text, type text, name text, provider text, index_key text,
              provider_ids text[], size_attribute text, size text, tags jsonb)
    ),
    gone as (
      delete from terraform_resources t
       where t.terraform_state_id = ${state.id} and not exists (select 1 from input i where i.address = t.address)
    )
    insert into terraform_resources
      (organization_id, terraform_state_id, address, module_path, type, name, provider, index_key, provider_ids, size_attribute, size, tags)
    select ${state.organization_id}, ${state.id}, i.address, i.module_path, i.type, i.name, i.provider, i.index_key,
           i.provider_ids, i.size_attribute, i.size, i.tags
      from input i
    on conflict (terraform_state_id, address) do update
      set module_path = excluded.module_path, type = excluded.type, name = excluded.name, provider = excluded.provider,
          index_key = excluded.index_key, provider_ids = excluded.provider_ids, size_attribute = excluded.size_attribute,
          size = excluded.size, tags = excluded.tags
  `.execute(trx);
}

/**
 * Links every parsed instance to the registered module that made it: the module call's name (the
 * last `module.<name>` of its path) and the version the state's registration gave for that path or
 * call; without a version, the module of that name if only one version of it is registered.
 */
export async function linkModules(trx: Trx): Promise<void> {
  await sql`
    with calls as (
      select t.id, substring(t.module_path from '(?:^|\\.)module\\.([A-Za-z0-9_-]+)(?:\\[[^\\]]*\\])?$') as call,
             s.module_versions
        from terraform_resources t
        join terraform_states s on s.id = t.terraform_state_id
    ),
    chosen as (
      select c.id,
             (select m.id from terraform_modules m
               where m.name = c.call
                 and case when coalesce(c.module_versions ->> c.call, '') <> ''
                          then m.version = c.module_versions ->> c.call
                          else (select count(*) from terraform_modules o where o.name = c.call) = 1 end
               limit 1) as module_id
        from calls c
    )
    update terraform_resources t set terraform_module_id = chosen.module_id
      from chosen
     where t.id = chosen.id and t.terraform_module_id is distinct from chosen.module_id
  `.execute(trx);
}

export interface CoverageRow {
  cloud_account_id: string;
  discovered: number;
  managed: number;
  missing: number;
}

/** Per account of the organisation (or one): resources discovered, managed by a state, and missing from the cloud. */
export async function coverageByAccount(trx: Trx, cloudAccountId?: string): Promise<CoverageRow[]> {
  const matches = terraformMatches(cloudAccountId);
  const { rows } = await sql<CoverageRow>`
    with m as materialized (${matches})
    select a.id as cloud_account_id,
           (select count(*) from resources r where r.cloud_account_id = a.id)::int as discovered,
           (select count(distinct m.resource_id) from m where m.cloud_account_id = a.id)::int as managed,
           (select count(*) from terraform_resources t join terraform_states s on s.id = t.terraform_state_id
             where s.cloud_account_id = a.id and t.type = any(${DISCOVERED_TYPES}::text[])
               and t.id not in (select m.terraform_resource_id from m))::int as missing
      from cloud_accounts a
     where a.status <> 'unlinked' ${cloudAccountId === undefined ? sql`` : sql`and a.id = ${cloudAccountId}`}
     order by a.created_at, a.id
  `.execute(trx);
  return rows;
}

/** Instances of states that name no account and are missing from every account. */
export async function missingWithoutAccount(trx: Trx): Promise<number> {
  const { rows } = await sql<{ missing: number }>`
    select count(*)::int as missing from terraform_resources t join terraform_states s on s.id = t.terraform_state_id
     where s.cloud_account_id is null and ${missingFrom(terraformMatches())}
  `.execute(trx);
  return rows[0]!.missing;
}

/** Discovered resources of an account, managed or not, newest first, with the instance that manages each. */
export function listDiscovered(trx: Trx, cloudAccountId: string, managed: boolean, limit: number, after?: KeysetCursor) {
  return trx
    .selectFrom('resources as r')
    .select(['r.id as resource_id', 'r.provider_resource_id', 'r.type', 'r.name', 'r.created_at', 'r.id'])
    .select(
      sql<{ terraform_resource_id: string; terraform_state_id: string; address: string; terraform_module_id: string | null } | null>`(
        select json_build_object('terraform_resource_id', t.id, 'terraform_state_id', t.terraform_state_id, 'address', t.address,
                                 'terraform_module_id', t.terraform_module_id)
          from terraform_resources t join terraform_states s on s.id = t.terraform_state_id
         where ${RESOURCE_IS_INSTANCE}
         order by t.address limit 1
      )`.as('managed_by'),
    )
    .where('r.cloud_account_id', '=', cloudAccountId)
    .where(sql<boolean>`r.id ${managed ? sql`in` : sql`not in`} (select m.resource_id from (${terraformMatches(cloudAccountId)}) m)`)
    .$call(newestFirst(after, limit))
    .execute();
}

/** Instances of the account's states (or of states naming no account) that discovery does not have. */
export function listMissing(trx: Trx, cloudAccountId: string | null, limit: number, after?: KeysetCursor) {
  return trx
    .selectFrom('terraform_resources as t')
    .innerJoin('terraform_states as s', 's.id', 't.terraform_state_id')
    .select(['t.id', 't.terraform_state_id', 't.terraform_module_id', 't.address', 't.type', 't.provider_ids', 't.created_at'])
    .where(cloudAccountId === null ? sql<boolean>`s.cloud_account_id is null` : sql<boolean>`s.cloud_account_id = ${cloudAccountId}`)
    .where(missingFrom(terraformMatches(cloudAccountId ?? undefined)))
    .select(sql<string>`t.created_at::text`.as('keyset_at'))
    .$if(after !== undefined, (q) => q.where(sql<boolean>`(t.created_at, t.id) < (${after!.at}::timestamptz, ${after!.id}::uuid)`))
    .orderBy('t.created_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(limit + 1)
    .execute();
}

/** Which module versions are in use where: per module, the states and module paths of its instances. */
export async function moduleUsage(trx: Trx, moduleId?: string) {
  const { rows } = await sql<{
    terraform_module_id: string;
    name: string;
    version: string | null;
    terraform_state_id: string;
    state_name: string;
    cloud_account_id: string | null;
    module_path: string;
    resources: number;
  }>`
    select m.id as terraform_module_id, m.name, m.version, s.id as terraform_state_id, s.name as state_name,
           s.cloud_account_id, t.module_path, count(*)::int as resources
      from terraform_resources t
      join terraform_modules m on m.id = t.terraform_module_id
      join terraform_states s on s.id = t.terraform_state_id
     ${moduleId === undefined ? sql`` : sql`where m.id = ${moduleId}`}
     group by m.id, m.name, m.version, s.id, s.name, s.cloud_account_id, t.module_path
     order by m.name, m.version nulls first, s.name, t.module_path
  `.execute(trx);
  return rows;
}

export interface DriftCandidate {
  terraform_resource_id: string;
  terraform_state_id: string;
  address: string;
  type: string;
  size_attribute: string | null;
  size: string | null;
  tags: Record<string, string> | null;
  drift_signature: string | null;
  resource_id: string;
  cloud_account_id: string;
  provider: CloudProvider;
  provider_resource_id: string;
  discovered_type: string | null;
  metadata: Record<string, unknown>;
  discovered_tags: Record<string, string>;
}

/** The account's managed resources, each with the state instance that manages it. */
export async function driftCandidates(trx: Trx, cloudAccountId: string): Promise<DriftCandidate[]> {
  const { rows } = await sql<DriftCandidate>`
    select t.id as terraform_resource_id, t.terraform_state_id, t.address, t.type, t.size_attribute, t.size, t.tags,
           t.drift_signature, r.id as resource_id, r.cloud_account_id, r.provider, r.provider_resource_id,
           r.metadata ->> 'provider_type' as discovered_type, r.metadata, r.tags as discovered_tags
      from (${terraformMatches(cloudAccountId)}) m
      join resources r on r.id = m.resource_id
      join terraform_resources t on t.id = m.terraform_resource_id
  `.execute(trx);
  return rows;
}

/** Instances of the account whose drift changed: the signature of what is drifted now (null: in sync). */
export async function recordDriftSignatures(trx: Trx, changes: readonly { id: string; signature: string | null }[]): Promise<void> {
  if (changes.length === 0) return;
  await sql`
    update terraform_resources t set drift_signature = c.signature
      from json_to_recordset(${JSON.stringify(changes)}::json) as c (id uuid, signature text)
     where t.id = c.id
  `.execute(trx);
}
