import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

const LIVE = sql`status in ('open', 'claimed', 'snoozed', 'dismissed')`;

/**
 * The recommendation lifecycle of issue #13, in the manner of GCP Recommender:
 * - recommendation_status becomes open -> claimed -> succeeded | failed, dismissed and snoozed
 *   (both reopenable), resolved and expired. Nothing wrote recommendations before, so the type is
 *   replaced rather than grown (`alter type ... add value` cannot drop 'accepted' and 'applied');
 *   rows that had them map to their successors.
 * - version is the etag: every change bumps it, a transition names the one it saw (stale: 409).
 * - subject_id is what the recommendation is about (the resource, or the account for account-wide
 *   findings); unlike resource_id it survives the resource's deletion. At most one live
 *   (open, claimed, snoozed or dismissed) recommendation per subject and rule: a re-evaluation
 *   updates that row in place. A dismissed one stays live so a re-evaluation does not bring it back.
 * - fingerprint hashes the evidence, so an unchanged evaluation writes nothing.
 * - recommendation_history keeps every change, for `get` and for audits.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`create type recommendation_status_next as enum ('open', 'claimed', 'succeeded', 'failed', 'dismissed', 'snoozed', 'resolved', 'expired')`,
    sql`alter table recommendations alter column status drop default`,
    sql`
      alter table recommendations alter column status type recommendation_status_next using (
        case status::text when 'accepted' then 'claimed' when 'applied' then 'succeeded' else status::text end
      )::recommendation_status_next
    `,
    sql`drop type recommendation_status`,
    sql`alter type recommendation_status_next rename to recommendation_status`,
    sql`alter table recommendations alter column status set default 'open'`,

    sql`alter table recommendations add column subject_id uuid`,
    sql`update recommendations set subject_id = coalesce(resource_id, cloud_account_id, organization_id)`,
    sql`alter table recommendations alter column subject_id set not null`,
    sql`alter table recommendations add column version integer not null default 1`,
    sql`alter table recommendations add column fingerprint text`,
    sql`alter table recommendations add column state_metadata jsonb not null default '{}'`,
    sql`alter table recommendations add column snoozed_until timestamptz`,
    sql`alter table recommendations add column evaluated_at timestamptz not null default now()`,
    sql`create unique index recommendations_live_subject_idx on recommendations (organization_id, subject_id, recommendation_type) where ${LIVE}`,
    // The list is sorted by savings, a page at a time.
    sql`create index recommendations_organization_id_savings_idx on recommendations (organization_id, estimated_savings desc nulls last, id desc)`,

    sql`
      create table recommendation_history (
        id bigint generated always as identity primary key,
        organization_id uuid not null references organizations (id) on delete cascade,
        recommendation_id uuid not null references recommendations (id) on delete cascade,
        change text not null,
        from_status recommendation_status,
        to_status recommendation_status not null,
        version integer not null,
        user_id uuid references users (id) on delete set null,
        details jsonb not null default '{}',
        created_at timestamptz not null default now()
      )
    `,
    sql`create index recommendation_history_recommendation_id_idx on recommendation_history (recommendation_id, id)`,
    sql`alter table recommendation_history enable row level security`,
    sql`
      create policy tenant_isolation on recommendation_history for all
        using (organization_id = stratus_current_organization())
        with check (organization_id = stratus_current_organization())
    `,
    sql`grant select on recommendation_history to stratus_service`,
    sql`grant insert on recommendation_history to stratus_recommendation`,

    // The daily evaluation schedules one job per organisation with linked accounts, across every
    // organisation, while row-level security shows one at a time: this function (owner's rights,
    // fixed search_path) is that one cross-tenant read, and it reveals only the organisations' ids.
    sql`
      create function stratus_recommendation_organizations()
      returns table (organization_id uuid)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select distinct a.organization_id from public.cloud_accounts a where a.status not in ('unlinked', 'disabled')
      $$
    `,
    sql`revoke all on function stratus_recommendation_organizations() from public`,
    sql`grant execute on function stratus_recommendation_organizations() to stratus_recommendation`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop function stratus_recommendation_organizations()`,
    sql`drop table recommendation_history`,
    sql`drop index recommendations_live_subject_idx, recommendations_organization_id_savings_idx`,
    sql`
      alter table recommendations drop column subject_id, drop column version, drop column fingerprint,
        drop column state_metadata, drop column snoozed_until, drop column evaluated_at
    `,
    sql`create type recommendation_status_previous as enum ('open', 'accepted', 'dismissed', 'applied', 'expired')`,
    sql`alter table recommendations alter column status drop default`,
    sql`
      alter table recommendations alter column status type recommendation_status_previous using (
        case status::text
          when 'claimed' then 'accepted' when 'succeeded' then 'applied' when 'snoozed' then 'dismissed'
          when 'failed' then 'open' when 'resolved' then 'expired' else status::text
        end
      )::recommendation_status_previous
    `,
    sql`drop type recommendation_status`,
    sql`alter type recommendation_status_previous rename to recommendation_status`,
    sql`alter table recommendations alter column status set default 'open'`,
  ]);
}
