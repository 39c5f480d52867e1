import { sql, type Kysely } from 'kysely';
import { execute } from './ddl.ts';

const SERVICE_GROUP = 'stratus_service';
const SERVICE_ROLES = [
  'stratus_ingestion',
  'stratus_cost',
  'stratus_recommendation',
  'stratus_action_executor',
  'stratus_audit',
];

/**
 * Roles are cluster-wide and outlive any one database, so they are created only when missing and
 * never dropped. Test files migrate databases in parallel: a concurrent creation surfaces as
 * duplicate_object or unique_violation, which means the role now exists, as wanted.
 */
export async function createRoles(db: Kysely<any>): Promise<void> {
  // A DO block takes no parameters, so the names are inlined as literals.
  const names = (roles: string[]) => sql`array[${sql.join(roles.map((role) => sql.lit(role)))}]`;
  await sql`
    do $$
    declare
      r text;
    begin
      foreach r in array ${names([SERVICE_GROUP, ...SERVICE_ROLES])} loop
        if not exists (select from pg_roles where rolname = r) then
          begin
            execute format('create role %I nologin', r);
          exception when duplicate_object or unique_violation then null;
          end;
        end if;
      end loop;
      foreach r in array ${names(SERVICE_ROLES)} loop
        if not pg_has_role(r, ${sql.lit(SERVICE_GROUP)}, 'member') then
          begin
            execute format('grant %I to %I', ${sql.lit(SERVICE_GROUP)}, r);
          exception when duplicate_object or unique_violation then null;
          end;
        end if;
      end loop;
    end
    $$
  `.execute(db);
}

export async function createFunctions(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`grant usage on schema public to stratus_service`,
    // missing_ok: outside withTenant the setting is absent (or '' once a transaction ended), so
    // the policies compare against null and every tenant-owned row is hidden.
    sql`
      create function stratus_current_organization() returns uuid
      language sql stable
      as $$ select nullif(current_setting('stratus.organization_id', true), '')::uuid $$
    `,
    sql`
      create function set_updated_at() returns trigger
      language plpgsql
      as $$
      begin
        new.updated_at := now();
        return new;
      end
      $$
    `,
    // The audit trail may only grow. The one deletion allowed is the cascade that erases a whole
    // organisation: by the time it reaches these rows the organisation's row is gone.
    sql`
      create function stratus_append_only() returns trigger
      language plpgsql
      as $$
      begin
        if tg_op = 'DELETE' then
          if not exists (select from organizations where id = old.organization_id) then
            return old;
          end if;
        end if;
        raise exception '% is append-only: % is not allowed', tg_table_name, tg_op
          using hint = 'entries are never changed; append a correcting entry instead';
      end
      $$
    `,
  ]);
}

export async function dropFunctions(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop function if exists stratus_append_only()`,
    sql`drop function if exists set_updated_at()`,
    sql`drop function if exists stratus_current_organization()`,
    sql`revoke usage on schema public from stratus_service`,
  ]);
}

export async function createEnums(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`create type cloud_provider as enum ('AWS', 'AZURE', 'GCP')`,
    sql`create type operation_status as enum ('queued', 'running', 'success', 'error', 'cancelled')`,
    sql`create type automation_rule_status as enum ('enabled', 'disabled')`,
    sql`create type cost_granularity as enum ('hourly', 'daily', 'monthly')`,
    sql`create type budget_period as enum ('monthly', 'quarterly', 'yearly')`,
    sql`
      create type action_status as enum (
        'pending', 'awaiting_approval', 'approved', 'rejected', 'queued', 'running', 'success', 'error', 'cancelled'
      )
    `,
    sql`create type approval_status as enum ('pending', 'approved', 'rejected')`,
    sql`create type recommendation_status as enum ('open', 'accepted', 'dismissed', 'applied', 'expired')`,
  ]);
}

export async function dropEnums(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop type if exists recommendation_status`,
    sql`drop type if exists approval_status`,
    sql`drop type if exists action_status`,
    sql`drop type if exists budget_period`,
    sql`drop type if exists cost_granularity`,
    sql`drop type if exists automation_rule_status`,
    sql`drop type if exists operation_status`,
    sql`drop type if exists cloud_provider`,
  ]);
}
