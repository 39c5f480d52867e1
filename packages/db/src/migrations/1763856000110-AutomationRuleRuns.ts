import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * Automation rules run (issue #15):
 * - max_resources: a rule's blast radius. A run that matches more requests nothing and fails with
 *   reason blast_radius (an approval covers one action on one resource, so one approval for a whole
 *   run does not fit the approvals model). 100 by default: a rule widened by mistake stops early.
 * - scheduled_for: the cron tick a run is for, unique per rule, so a redelivered job (BullMQ is
 *   at-least-once) finds its tick taken and requests nothing twice. Manual runs have none.
 * - stratus_enabled_automation_rules: what the scheduler sync reads across every organisation (the
 *   executor's role sees one at a time), to put back schedulers Redis lost.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`alter table automation_rules add column max_resources integer not null default 100
          constraint automation_rules_max_resources_check check (max_resources between 1 and 1000000)`,
    sql`alter table automation_rule_runs add column scheduled_for timestamptz`,
    sql`create unique index automation_rule_runs_rule_id_scheduled_for_idx on automation_rule_runs (rule_id, scheduled_for)`,
    sql`
      create function stratus_enabled_automation_rules(after_id uuid, max_rows integer)
      returns table (id uuid, organization_id uuid, cron text, timezone text)
      language sql
      stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select r.id, r.organization_id, r.cron, r.timezone
          from public.automation_rules r
         where r.status = 'enabled' and (after_id is null or r.id > after_id)
         order by r.id
         limit max_rows
      $$
    `,
    sql`revoke all on function stratus_enabled_automation_rules(uuid, integer) from public`,
    sql`grant execute on function stratus_enabled_automation_rules(uuid, integer) to stratus_action_executor`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop function if exists stratus_enabled_automation_rules(uuid, integer)`,
    sql`drop index if exists automation_rule_runs_rule_id_scheduled_for_idx`,
    sql`alter table automation_rule_runs drop column if exists scheduled_for`,
    sql`alter table automation_rules drop column if exists max_resources`,
  ]);
}
