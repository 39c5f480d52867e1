import { sql, type Kysely } from 'kysely';
import { appendOnly } from './foundation/audit.ts';
import { execute, tenantIsolation } from './foundation/ddl.ts';

/**
 * The audit trail proves itself (issue #16): each organisation's audit_logs rows form a hash
 * chain, their time is the database's, and signed checkpoints of the chain head make a rewrite of
 * the whole chain by a database superuser (who can recompute every hash) detectable too.
 *
 * The chain is built by a BEFORE INSERT trigger, not by the writer: the writer cannot back-date a
 * row or choose its place in the chain, and two writers of one organisation are serialised by an
 * advisory lock held until their transaction ends, so the sequence has no gaps and no forks.
 *
 * The hash is sha256 over the UTF-8 of stratus_audit_canonical(row): a JSON array of the row's
 * fields as strings (jsonb's text form: `["a", null, "b"]`), which canonicalOf in @stratus/db
 * (src/audit-chain.ts) rebuilds byte for byte from an export, without the database. The sequence
 * is deliberately outside the hash: it is where the row sits, checked by the walk, so that a row
 * moved elsewhere in the chain is told apart from a changed one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    // No writer existed before this migration; a row from one would get sequence 0, outside the chain.
    sql`alter table audit_logs add column sequence bigint not null default 0`,
    sql`alter table audit_logs alter column sequence drop default`,
    sql`alter table audit_logs add column trace_id text`,
    sql`alter table activity_log add column trace_id text`,
    // Not unique: the chain's integrity is the verifier's to judge, and a row a superuser slipped in
    // at an existing sequence must be reported as inserted, not prevented by this index alone.
    sql`create index audit_logs_organization_id_sequence_idx on audit_logs (organization_id, sequence)`,
    sql`create index activity_log_trace_id_idx on activity_log (trace_id)`,
    sql`create index audit_logs_trace_id_idx on audit_logs (trace_id)`,
    sql`
      create function stratus_audit_canonical(a audit_logs) returns text
      language sql immutable
      as $$
        select jsonb_build_array(
          a.organization_id::text, a.user_id::text, a.event_id::text, a.action, a.resource_type,
          a.resource_id, to_char(a."timestamp" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          a.ip_address, a.user_agent, a.trace_id, a.details::text, encode(a.prev_hash, 'hex')
        )::text
      $$
    `,
    sql`
      create function stratus_audit_chain() returns trigger
      language plpgsql
      as $$
      declare
        head record;
      begin
        perform pg_advisory_xact_lock(hashtextextended('audit_logs:' || new.organization_id::text, 0));
        select a.sequence, a.hash into head
          from audit_logs a
         where a.organization_id = new.organization_id
         order by a.sequence desc
         limit 1;
        new.sequence := coalesce(head.sequence, 0) + 1;
        new.prev_hash := head.hash;
        new."timestamp" := clock_timestamp();
        new.hash := sha256(convert_to(stratus_audit_canonical(new), 'UTF8'));
        return new;
      end
      $$
    `,
    sql`create trigger audit_logs_chain before insert on audit_logs for each row execute function stratus_audit_chain()`,
    // The activity stream's time is the database's as well.
    sql`
      create function stratus_database_time() returns trigger
      language plpgsql
      as $$
      begin
        new.created_at := clock_timestamp();
        return new;
      end
      $$
    `,
    sql`create trigger activity_log_database_time before insert on activity_log for each row execute function stratus_database_time()`,

    // A signed statement of a chain head, in the manner of CloudTrail's digest files: the signature
    // covers the organisation, the head's sequence and hash, the time and the previous checkpoint's
    // signature, so checkpoints chain too. Signed with Ed25519 (AUDIT_SIGNING_KEY of the audit service).
    sql`
      create table audit_checkpoints (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        sequence bigint not null,
        head_hash bytea not null,
        previous_signature bytea,
        signed_at timestamptz not null,
        key_id text not null,
        signature bytea not null,
        created_at timestamptz not null default now()
      )
    `,
    sql`create index audit_checkpoints_organization_id_sequence_idx on audit_checkpoints (organization_id, sequence)`,
    ...tenantIsolation('audit_checkpoints'),
    ...appendOnly('audit_checkpoints'),
    sql`grant select on audit_checkpoints to stratus_service`,
    sql`grant insert on audit_checkpoints to stratus_audit`,
    // The checkpoint job signs every organisation's head, while row-level security shows a
    // connection one organisation at a time: this function (owner's rights, fixed search_path) is
    // its one cross-tenant read, and tells only which organisations have rows past their last checkpoint.
    sql`
      create function stratus_audit_heads_to_checkpoint()
      returns table (organization_id uuid)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select o.id
          from public.organizations o
         where coalesce((select max(a.sequence) from public.audit_logs a where a.organization_id = o.id), 0)
             > coalesce((select max(c.sequence) from public.audit_checkpoints c where c.organization_id = o.id), 0)
      $$
    `,
    sql`revoke all on function stratus_audit_heads_to_checkpoint() from public`,
    sql`grant execute on function stratus_audit_heads_to_checkpoint() to stratus_audit`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop function if exists stratus_audit_heads_to_checkpoint()`,
    sql`drop table if exists audit_checkpoints`,
    sql`drop trigger if exists activity_log_database_time on activity_log`,
    sql`drop function if exists stratus_database_time()`,
    sql`drop trigger if exists audit_logs_chain on audit_logs`,
    sql`drop function if exists stratus_audit_chain()`,
    sql`drop function if exists stratus_audit_canonical(audit_logs)`,
    sql`drop index if exists audit_logs_trace_id_idx`,
    sql`drop index if exists activity_log_trace_id_idx`,
    sql`drop index if exists audit_logs_organization_id_sequence_idx`,
    sql`alter table activity_log drop column trace_id`,
    sql`alter table audit_logs drop column trace_id`,
    sql`alter table audit_logs drop column sequence`,
  ]);
}
