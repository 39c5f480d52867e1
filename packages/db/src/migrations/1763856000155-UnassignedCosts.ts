import { sql, type Kysely } from 'kysely';
import { execute, keepUpdatedAt, tenantIsolation } from './foundation/ddl.ts';

function unlinkedCheck(table: string, values: string) {
  return [
    sql`alter table ${sql.table(table)} drop constraint if exists ${sql.id(`${table}_unlinked_sub_accounts_check`)}`,
    sql`alter table ${sql.table(table)} add constraint ${sql.id(`${table}_unlinked_sub_accounts_check`)} check (unlinked_sub_accounts in (${sql.raw(values)}))`,
  ];
}

/**
 * Unassigned cost (issue #12, point 1): the rows of a billing account's file whose sub-account no
 * cloud account is linked to can now be kept as unassigned cost, reported and queryable, besides
 * being linked as billing-only accounts or refused. What happens to them is an organisation
 * setting (cost_import_settings) that an import may override.
 *
 * unassigned_costs holds them summed per day, sub-account, service, charge category and currency
 * (numeric without a bound, as the cost store keeps amounts, so sums equal the file's). Each
 * billing import writes its own rows; when it is routed, rows of earlier imports for the same
 * sub-accounts and days go, so a re-import replaces, and a sub-account linked since moves its days
 * into the cost store.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    ...unlinkedCheck('billing_imports', "'link', 'unassigned', 'refuse'"),
    sql`alter table billing_imports add column rows_unassigned integer not null default 0`,
    sql`
      create table cost_import_settings (
        organization_id uuid primary key references organizations (id) on delete cascade,
        unlinked_sub_accounts text not null default 'link',
        updated_by uuid references users (id) on delete set null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    ...unlinkedCheck('cost_import_settings', "'link', 'unassigned', 'refuse'"),
    keepUpdatedAt('cost_import_settings'),
    ...tenantIsolation('cost_import_settings'),
    sql`grant select on cost_import_settings to stratus_service`,
    sql`grant insert, update, delete on cost_import_settings to stratus_ingestion`,
    sql`
      create table unassigned_costs (
        id bigint generated always as identity primary key,
        organization_id uuid not null references organizations (id) on delete cascade,
        billing_import_id uuid not null references billing_imports (id) on delete cascade,
        provider cloud_provider not null,
        sub_account_id text not null,
        sub_account_name text,
        charge_date date not null,
        service_name text not null,
        charge_category text not null,
        currency text not null,
        rows integer not null,
        billed_cost numeric not null,
        effective_cost numeric not null,
        list_cost numeric not null,
        constraint unassigned_costs_key unique (billing_import_id, provider, sub_account_id, charge_date, service_name, charge_category, currency)
      )
    `,
    sql`create index unassigned_costs_sub_account_idx on unassigned_costs (organization_id, provider, sub_account_id, charge_date)`,
    ...tenantIsolation('unassigned_costs'),
    sql`grant select on unassigned_costs to stratus_service`,
    sql`grant insert, update, delete on unassigned_costs to stratus_ingestion`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop table if exists unassigned_costs`,
    sql`drop table if exists cost_import_settings`,
    sql`alter table billing_imports drop column rows_unassigned`,
    sql`update billing_imports set unlinked_sub_accounts = 'refuse' where unlinked_sub_accounts = 'unassigned'`,
    ...unlinkedCheck('billing_imports', "'link', 'refuse'"),
  ]);
}
