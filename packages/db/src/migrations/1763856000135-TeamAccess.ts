import { sql, type Kysely, type RawBuilder } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * Teams and what they may reach (issue #18, point 5). A request made with a person's token sets
 * `stratus.user_id` beside `stratus.organization_id`; when that person is not an organisation
 * admin, restrictive policies hide every row of a cloud account none of their teams was granted,
 * and refuse writes below the grant's level. Consumers, jobs and the CLI set no user, so they
 * (and admins) see the whole organisation as before.
 *
 * Each policy compares against `(select stratus_team_accounts(level))`: an uncorrelated scalar
 * subquery, which PostgreSQL evaluates once per statement as an InitPlan, so a scan of cost_data
 * pays one call, not one per row.
 */

/** The tables whose rows belong to one cloud account, how a row names it, and who may write it. */
const ACCOUNT_SCOPED: ReadonlyArray<{ table: string; account: string; nullable?: boolean; write: 'operate' | 'admin' }> = [
  { table: 'cloud_accounts', account: 'id', write: 'admin' },
  { table: 'cloud_credentials', account: 'cloud_account_id', write: 'admin' },
  // Granting an account to a team is an account change: admin level (or an organisation admin).
  { table: 'cloud_account_teams', account: 'cloud_account_id', write: 'admin' },
  { table: 'resources', account: 'cloud_account_id', write: 'operate' },
  { table: 'resource_groups', account: 'cloud_account_id', write: 'operate' },
  { table: 'cost_data', account: 'cloud_account_id', write: 'operate' },
  { table: 'cost_imports', account: 'cloud_account_id', write: 'operate' },
  { table: 'cost_import_progress', account: 'cloud_account_id', write: 'operate' },
  { table: 'cost_rollups', account: 'cloud_account_id', write: 'operate' },
  { table: 'cost_tag_rollups', account: 'cloud_account_id', write: 'operate' },
  { table: 'cost_resource_rollups', account: 'cloud_account_id', write: 'operate' },
  { table: 'cost_estimated_days', account: 'cloud_account_id', write: 'operate' },
  { table: 'realized_savings', account: 'cloud_account_id', write: 'operate' },
  { table: 'realized_savings_days', account: 'cloud_account_id', write: 'operate' },
  // An organisation-wide recommendation (no account) stays visible to everyone.
  { table: 'recommendations', account: 'cloud_account_id', nullable: true, write: 'operate' },
];

/** Tables that name a resource rather than an account: the resource's account decides. */
const RESOURCE_SCOPED: ReadonlyArray<{ table: string; nullable: boolean }> = [
  { table: 'actions', nullable: true },
  { table: 'operations', nullable: true },
  { table: 'tags', nullable: false },
  { table: 'resource_group_memberships', nullable: false },
];

/** Tables that hang off an action: visible when the action is (the actions policy applies in the subquery). */
const ACTION_SCOPED = ['action_history', 'approvals', 'approval_requests'];

/**
 * Organisation-wide automation: a rule, workflow, schedule or policy acts on whatever its
 * selector matches, across accounts, so only sessions nobody restricts (admins, consumers, jobs,
 * the CLI) change or run them.
 */
const ORGANISATION_WIDE = ['automation_rules', 'automation_rule_runs', 'workflows', 'workflow_executions', 'schedules', 'action_policies'];

const POLICIES = ['team_read', 'team_insert', 'team_update', 'team_delete'] as const;

function allowed(level: string, test: (accounts: RawBuilder<unknown>) => RawBuilder<unknown>): RawBuilder<unknown> {
  // The cast keeps `any(...)` reading an array, not the rows of a subquery.
  const accounts = sql`(select stratus_team_accounts(${sql.lit(level)}))::uuid[]`;
  return sql`(${accounts} is null or ${test(accounts)})`;
}

function policies(table: string, read: RawBuilder<unknown>, write: RawBuilder<unknown>): RawBuilder<unknown>[] {
  const name = sql.table(table);
  return [
    sql`create policy team_read on ${name} as restrictive for select using ${read}`,
    sql`create policy team_insert on ${name} as restrictive for insert with check ${write}`,
    sql`create policy team_update on ${name} as restrictive for update using ${write} with check ${write}`,
    sql`create policy team_delete on ${name} as restrictive for delete using ${write}`,
  ];
}

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`
      alter table user_teams add constraint user_teams_role_check check (role in ('member', 'maintainer'))
    `,
    sql`
      alter table cloud_account_teams add constraint cloud_account_teams_access_level_check
        check (access_level in ('read', 'operate', 'admin'))
    `,
    // People and their teams are the console's; grants of accounts are ingestion's (it owns accounts).
    sql`grant insert, update, delete on teams, user_teams to stratus_console`,
    // Null when nothing restricts the session (no person, or an organisation admin); otherwise the
    // accounts the person's teams were granted at this level or above. Owner's rights, so the
    // lookup is not itself subject to the policies it serves; it answers only for the session's
    // own user in the session's own organisation.
    sql`
      create function stratus_team_accounts(p_level text) returns uuid[]
      language plpgsql stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
      declare
        v_user uuid := nullif(current_setting('stratus.user_id', true), '')::uuid;
        v_org uuid := nullif(current_setting('stratus.organization_id', true), '')::uuid;
      begin
        if v_user is null then
          return null;
        end if;
        if exists (select from public.users u where u.id = v_user and u.organization_id = v_org and u.role = 'admin' and u.status = 'active') then
          return null;
        end if;
        return coalesce((
          select array_agg(distinct g.cloud_account_id)
            from public.user_teams m
            join public.cloud_account_teams g on g.team_id = m.team_id and g.organization_id = m.organization_id
           where m.user_id = v_user
             and m.organization_id = v_org
             and g.access_level = any(case p_level
                                        when 'read' then array['read', 'operate', 'admin']
                                        when 'operate' then array['operate', 'admin']
                                        else array['admin'] end)
        ), '{}');
      end
      $$
    `,
    sql`revoke all on function stratus_team_accounts(text) from public`,
    sql`grant execute on function stratus_team_accounts(text) to stratus_service`,
    ...ACCOUNT_SCOPED.flatMap(({ table, account, nullable, write }) => {
      const column = sql.ref(`${table}.${account}`);
      const test = (accounts: RawBuilder<unknown>) => (nullable ? sql`(${column} is null or ${column} = any(${accounts}))` : sql`${column} = any(${accounts})`);
      return policies(table, allowed('read', test), allowed(write, test));
    }),
    ...RESOURCE_SCOPED.flatMap(({ table, nullable }) => {
      const column = sql.ref(`${table}.resource_id`);
      const test = (accounts: RawBuilder<unknown>) => {
        const owned = sql`exists (select from resources r where r.id = ${column} and r.cloud_account_id = any(${accounts}))`;
        return nullable ? sql`(${column} is null or ${owned})` : owned;
      };
      return policies(table, allowed('read', test), allowed('operate', test));
    }),
    ...ORGANISATION_WIDE.flatMap((table) => {
      const unrestricted = sql`((select stratus_team_accounts('read')) is null)`;
      const name = sql.table(table);
      return [
        sql`create policy team_insert on ${name} as restrictive for insert with check ${unrestricted}`,
        sql`create policy team_update on ${name} as restrictive for update using ${unrestricted}`,
        sql`create policy team_delete on ${name} as restrictive for delete using ${unrestricted}`,
      ];
    }),
    // For writes that leave the database through the outbox (an action request becomes an
    // event), where no row of the account is changed for a policy to refuse.
    sql`
      create function stratus_team_allows(p_account uuid, p_level text) returns boolean
      language sql stable
      as $$ select stratus_team_accounts(p_level) is null or p_account = any(stratus_team_accounts(p_level)) $$
    `,
    sql`grant execute on function stratus_team_allows(uuid, text) to stratus_service`,
    // The activity stream names its subject by id only (a resource, account, action, rule or
    // budget): an entry about an account the person cannot see is hidden, the others stay. The
    // audit trail (audit_logs) stays whole: its hash chain is verified row after row.
    sql`
      create function stratus_subject_hidden(p_subject text, p_accounts uuid[]) returns boolean
      language plpgsql stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
      declare
        v_id uuid;
      begin
        if p_subject is null or p_subject !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
          return false;
        end if;
        v_id := p_subject::uuid;
        return exists (select from public.cloud_accounts c where c.id = v_id and not c.id = any(p_accounts))
            or exists (select from public.resources r where r.id = v_id and not r.cloud_account_id = any(p_accounts))
            or exists (
                 select from public.actions a join public.resources r on r.id = a.resource_id
                  where a.id = v_id and not r.cloud_account_id = any(p_accounts)
               );
      end
      $$
    `,
    sql`revoke all on function stratus_subject_hidden(text, uuid[]) from public`,
    sql`grant execute on function stratus_subject_hidden(text, uuid[]) to stratus_service`,
    sql`
      create policy team_read on activity_log as restrictive for select
        using (${allowed('read', (accounts) => sql`not stratus_subject_hidden(activity_log.subject, ${accounts})`)})
    `,
    ...ACTION_SCOPED.flatMap((table) => {
      const visible = sql`exists (select from actions a where a.id = ${sql.ref(`${table}.action_id`)})`;
      return policies(table, allowed('read', () => visible), allowed('read', () => visible));
    }),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  const tables = [...ACCOUNT_SCOPED.map(({ table }) => table), ...RESOURCE_SCOPED.map(({ table }) => table), ...ACTION_SCOPED, ...ORGANISATION_WIDE];
  await execute(db, [
    ...tables.flatMap((table) => POLICIES.map((policy) => sql`drop policy if exists ${sql.id(policy)} on ${sql.table(table)}`)),
    sql`drop policy if exists team_read on activity_log`,
    sql`drop function if exists stratus_subject_hidden(text, uuid[])`,
    sql`drop function if exists stratus_team_allows(uuid, text)`,
    sql`drop function if exists stratus_team_accounts(text)`,
    sql`revoke insert, update, delete on teams, user_teams from stratus_console`,
    sql`alter table cloud_account_teams drop constraint if exists cloud_account_teams_access_level_check`,
    sql`alter table user_teams drop constraint if exists user_teams_role_check`,
  ]);
}
