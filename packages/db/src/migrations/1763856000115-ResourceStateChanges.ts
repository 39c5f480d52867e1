import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * When a resource's state last changed (issue #15, off-hours schedules): an off-hours schedule
 * leaves alone a resource someone started by hand after the last scheduled change, so it must know
 * when the state changed, not when the row was last written (every discovery pass writes
 * last_seen, and so updated_at). A trigger keeps the column, whoever writes the state: discovery
 * needs no change. A writer that knows when the change happened (a test playing discovery at a
 * simulated time) may set the column with the state. Rows already there have no known change (null:
 * "long ago").
 *
 * Schedules read the resources tagged `stratus:schedule` of each organisation: a partial index
 * keeps that read to the few tagged rows (the GIN index on tags is jsonb_path_ops, which does not
 * serve `?`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`alter table resources add column state_changed_at timestamptz`,
    sql`alter table resources alter column state_changed_at set default now()`,
    sql`
      create function stratus_resource_state_changed() returns trigger
      language plpgsql
      as $$
      begin
        if new.state is distinct from old.state and new.state_changed_at is not distinct from old.state_changed_at then
          new.state_changed_at := now();
        end if;
        return new;
      end
      $$
    `,
    sql`
      create trigger resources_state_changed before update of state on resources
        for each row execute function stratus_resource_state_changed()
    `,
    sql`create index resources_schedule_tag_idx on resources (organization_id) where tags ? 'stratus:schedule'`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop index if exists resources_schedule_tag_idx`,
    sql`drop trigger if exists resources_state_changed on resources`,
    sql`drop function if exists stratus_resource_state_changed()`,
    sql`alter table resources drop column if exists state_changed_at`,
  ]);
}
