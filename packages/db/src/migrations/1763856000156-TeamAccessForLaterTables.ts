import { sql, type Kysely, type RawBuilder } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * Team access (1763856000135-TeamAccess) for the tables made beside it. Terraform: a person
 * restricted to their teams' accounts sees the states of those accounts (and states bound to no
 * account), and the parsed instances of the states they see; registering or changing a state is
 * operating the account, as acting on its resources is. Reports: a report's job renders the whole
 * organisation, across accounts, so only sessions nobody restricts (admins, jobs, the CLI) create,
 * change or run reports, as with automation rules.
 */
const POLICIES = ['team_read', 'team_insert', 'team_update', 'team_delete'] as const;

function allowed(level: 'read' | 'operate', test: (accounts: RawBuilder<unknown>) => RawBuilder<unknown>): RawBuilder<unknown> {
  // As in TeamAccess: null means the session is not restricted (admins, consumers, jobs, the CLI).
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

const ORGANISATION_WIDE = ['reports', 'report_runs'];
const ORGANISATION_POLICIES = ['team_insert', 'team_update', 'team_delete'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  const stateTest = (accounts: RawBuilder<unknown>) => sql`(terraform_states.cloud_account_id is null or terraform_states.cloud_account_id = any(${accounts}))`;
  const resourceTest = (accounts: RawBuilder<unknown>) =>
    sql`exists (select from terraform_states s where s.id = terraform_resources.terraform_state_id and (s.cloud_account_id is null or s.cloud_account_id = any(${accounts})))`;
  await execute(db, [
    ...policies('terraform_states', allowed('read', stateTest), allowed('operate', stateTest)),
    ...policies('terraform_resources', allowed('read', resourceTest), allowed('operate', resourceTest)),
    ...ORGANISATION_WIDE.flatMap((table) => {
      const unrestricted = sql`((select stratus_team_accounts('read')) is null)`;
      const name = sql.table(table);
      return [
        sql`create policy team_insert on ${name} as restrictive for insert with check ${unrestricted}`,
        sql`create policy team_update on ${name} as restrictive for update using ${unrestricted}`,
        sql`create policy team_delete on ${name} as restrictive for delete using ${unrestricted}`,
      ];
    }),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    ...['terraform_states', 'terraform_resources'].flatMap((table) => POLICIES.map((policy) => sql`drop policy if exists ${sql.id(policy)} on ${sql.table(table)}`)),
    ...ORGANISATION_WIDE.flatMap((table) => ORGANISATION_POLICIES.map((policy) => sql`drop policy if exists ${sql.id(policy)} on ${sql.table(table)}`)),
  ]);
}
