import { sql, type Kysely } from 'kysely';
import { execute, tenantIsolation } from './foundation/ddl.ts';

/**
 * Issue #14's policy and approvals:
 * - action_policies: one policy document per organisation (validated by the action executor's
 *   schema on write; an organisation without a row gets the built-in default).
 * - approval_requests: what was asked for an action awaiting approval: the digest of the reviewed
 *   action (type, resources, parameters), the quorum, the approvers' role and the expiry. One per
 *   action (the primary key), so a redelivered request opens nothing twice.
 * - `expired` joins action_status (an action nobody approved in time) and approval_status (an
 *   approver's unanswered ask of such an action). `add value` may run in the migration's
 *   transaction since PostgreSQL 12; nothing here uses the new values in it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`alter type action_status add value if not exists 'expired'`,
    sql`alter type approval_status add value if not exists 'expired'`,

    sql`
      create table action_policies (
        organization_id uuid primary key references organizations (id) on delete cascade,
        document jsonb not null,
        updated_by uuid references users (id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    ...tenantIsolation('action_policies'),
    sql`create trigger action_policies_set_updated_at before update on action_policies for each row execute function set_updated_at()`,
    sql`grant select on action_policies to stratus_service`,
    sql`grant insert, update, delete on action_policies to stratus_action_executor`,

    sql`
      create table approval_requests (
        action_id uuid primary key references actions (id) on delete cascade,
        organization_id uuid not null references organizations (id) on delete cascade,
        digest text not null,
        quorum integer not null,
        approver_role stratus_role not null,
        reasons jsonb not null default '[]',
        expires_at timestamptz not null,
        created_at timestamptz not null default now(),
        constraint approval_requests_quorum_positive check (quorum > 0)
      )
    `,
    // The expiry job looks for what is past its time.
    sql`create index approval_requests_expires_at_idx on approval_requests (expires_at)`,
    sql`create index approval_requests_organization_id_idx on approval_requests (organization_id)`,
    ...tenantIsolation('approval_requests'),
    sql`grant select on approval_requests to stratus_service`,
    sql`grant insert, update, delete on approval_requests to stratus_action_executor`,
    // An approver answers once: the row is theirs for this action.
    sql`create unique index approvals_action_id_approver_id_idx on approvals (action_id, approver_id)`,

    // The expiry job runs for every organisation while row-level security shows one at a time:
    // this function (owner's rights, fixed search_path) is that one cross-tenant read, and it
    // reveals only the ids of the actions to expire, which the job then handles under their tenant.
    sql`
      create function stratus_expired_approval_requests(p_now timestamptz, p_limit integer)
      returns table (organization_id uuid, action_id uuid)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select r.organization_id, r.action_id
          from public.approval_requests r
          join public.actions a on a.id = r.action_id
         where r.expires_at <= p_now and a.status::text = 'awaiting_approval'
         order by r.expires_at
         limit p_limit
      $$
    `,
    sql`revoke all on function stratus_expired_approval_requests(timestamptz, integer) from public`,
    sql`grant execute on function stratus_expired_approval_requests(timestamptz, integer) to stratus_action_executor`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Enum values cannot be dropped; the rows using them go back to their nearest older value.
  await execute(db, [
    sql`drop function if exists stratus_expired_approval_requests(timestamptz, integer)`,
    sql`drop index if exists approvals_action_id_approver_id_idx`,
    sql`drop table if exists approval_requests`,
    sql`drop table if exists action_policies`,
    sql`update approvals set status = 'rejected' where status = 'expired'`,
    sql`update actions set status = 'cancelled' where status = 'expired'`,
    sql`update action_history set status = 'cancelled' where status = 'expired'`,
  ]);
}
