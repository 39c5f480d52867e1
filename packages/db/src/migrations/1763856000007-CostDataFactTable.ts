import { sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * cost_data as a fact table: a million-line import writes a million rows, and each of its three
 * foreign keys checked and locked the referenced row once per row (a third of the time of a
 * server-side INSERT..SELECT of 500k lines), for batches whose thousand lines name one organisation
 * and one account. They become statement-level triggers with the same meaning:
 * - a statement writing lines fails if a line names an organisation, account or resource that does
 *   not exist, and locks each one it names FOR KEY SHARE, as a foreign key does, so that deleting it
 *   waits for the writer's commit: once per distinct id and statement instead of once per row;
 * - deleting an organisation or account deletes its lines and deleting a resource clears
 *   resource_id on its lines, as the ON DELETE actions did.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements: RawBuilder<unknown>[] = [
    sql`alter table cost_data drop constraint cost_data_organization_id_fkey`,
    sql`alter table cost_data drop constraint cost_data_cloud_account_id_fkey`,
    sql`alter table cost_data drop constraint cost_data_resource_id_fkey`,
    // Lines of resources the inventory does not hold (yet) have no resource_id, and nothing looks
    // lines up by a missing one: only lines that name a resource need an entry.
    sql`drop index cost_data_resource_id_timestamp_idx`,
    sql`create index cost_data_resource_id_timestamp_idx on cost_data (resource_id, "timestamp") where resource_id is not null`,
    // Owner's rights: the writer (a service under row-level security) must find rows of any tenant
    // a line names, exactly as a foreign key's check does.
    sql`
      create function stratus_cost_data_check_references() returns trigger
      language plpgsql
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
      declare
        v_missing text;
      begin
        with named as (select distinct organization_id as id from new_lines),
             held as (select o.id from public.organizations o where o.id in (select id from named) for key share)
        select 'organization ' || n.id into v_missing from named n where n.id not in (select id from held) limit 1;
        if v_missing is null then
          with named as (select distinct cloud_account_id as id from new_lines),
               held as (select a.id from public.cloud_accounts a where a.id in (select id from named) for key share)
          select 'cloud account ' || n.id into v_missing from named n where n.id not in (select id from held) limit 1;
        end if;
        if v_missing is null then
          with named as (select distinct resource_id as id from new_lines where resource_id is not null),
               held as (select r.id from public.resources r where r.id in (select id from named) for key share)
          select 'resource ' || n.id into v_missing from named n where n.id not in (select id from held) limit 1;
        end if;
        if v_missing is not null then
          raise exception 'cost_data: % does not exist', v_missing using errcode = 'foreign_key_violation';
        end if;
        return null;
      end
      $$
    `,
    sql`
      create trigger cost_data_references_on_insert after insert on cost_data
        referencing new table as new_lines for each statement execute function stratus_cost_data_check_references()
    `,
    sql`
      create trigger cost_data_references_on_update after update on cost_data
        referencing new table as new_lines for each statement execute function stratus_cost_data_check_references()
    `,
    sql`
      create function stratus_cost_data_follow_deletes() returns trigger
      language plpgsql
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
      begin
        case tg_table_name
          when 'organizations' then
            delete from public.cost_data where organization_id in (select id from gone);
          when 'cloud_accounts' then
            delete from public.cost_data where cloud_account_id in (select id from gone);
          when 'resources' then
            update public.cost_data set resource_id = null where resource_id in (select id from gone);
        end case;
        return null;
      end
      $$
    `,
    ...['organizations', 'cloud_accounts', 'resources'].map(
      (table) => sql`
        create trigger ${sql.id(`${table}_cost_data_follows`)} after delete on ${sql.table(table)}
          referencing old table as gone for each statement execute function stratus_cost_data_follow_deletes()
      `,
    ),
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements: RawBuilder<unknown>[] = [
    ...['organizations', 'cloud_accounts', 'resources'].map(
      (table) => sql`drop trigger if exists ${sql.id(`${table}_cost_data_follows`)} on ${sql.table(table)}`,
    ),
    sql`drop trigger if exists cost_data_references_on_insert on cost_data`,
    sql`drop trigger if exists cost_data_references_on_update on cost_data`,
    sql`drop function if exists stratus_cost_data_follow_deletes()`,
    sql`drop function if exists stratus_cost_data_check_references()`,
    sql`drop index cost_data_resource_id_timestamp_idx`,
    sql`create index cost_data_resource_id_timestamp_idx on cost_data (resource_id, "timestamp")`,
    sql`alter table cost_data add constraint cost_data_organization_id_fkey foreign key (organization_id) references organizations (id) on delete cascade`,
    sql`alter table cost_data add constraint cost_data_cloud_account_id_fkey foreign key (cloud_account_id) references cloud_accounts (id) on delete cascade`,
    sql`alter table cost_data add constraint cost_data_resource_id_fkey foreign key (resource_id) references resources (id) on delete set null`,
  ];
  for (const statement of statements) await statement.execute(db);
}
