import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * A report's runs render the whole organisation, across accounts; unassigned cost belongs to no
 * account; a billing-level import reports on every sub-account of its file. A person restricted
 * to their teams' accounts would read there what the account policies hide from them everywhere
 * else: only sessions nobody restricts (admins, jobs, the CLI) read them, as only they change
 * reports already (1763856000156-TeamAccessForLaterTables). The organisation's import setting
 * decides for every account: only those sessions change it.
 */
const unrestricted = sql`((select stratus_team_accounts('read')) is null)`;

const changes = (table: string) => [
  sql`create policy team_insert on ${sql.table(table)} as restrictive for insert with check ${unrestricted}`,
  sql`create policy team_update on ${sql.table(table)} as restrictive for update using ${unrestricted}`,
  sql`create policy team_delete on ${sql.table(table)} as restrictive for delete using ${unrestricted}`,
];
const reads = (table: string) => sql`create policy team_read on ${sql.table(table)} as restrictive for select using ${unrestricted}`;

export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    // Reports and their runs have had the change policies since TeamAccessForLaterTables.
    ...['reports', 'report_runs'].map(reads),
    ...['unassigned_costs', 'billing_imports'].flatMap((table) => [reads(table), ...changes(table)]),
    ...changes('cost_import_settings'),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  const drop = (table: string, policies: string[]) => policies.map((policy) => sql`drop policy if exists ${sql.id(policy)} on ${sql.table(table)}`);
  await execute(db, [
    ...['reports', 'report_runs'].flatMap((table) => drop(table, ['team_read'])),
    ...['unassigned_costs', 'billing_imports'].flatMap((table) => drop(table, ['team_read', 'team_insert', 'team_update', 'team_delete'])),
    ...drop('cost_import_settings', ['team_insert', 'team_update', 'team_delete']),
  ]);
}
