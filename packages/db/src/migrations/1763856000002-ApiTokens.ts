import { sql, type Kysely } from 'kysely';
import { PERMISSION_CATALOGUE, STRATUS_ROLES } from '../tables/api-tokens.ts';

/**
 * API tokens (bearer credentials, stored only as sha256), the function that resolves one before
 * the tenant is known, and the global permission catalogue. Runs after Foundation, which creates
 * organizations, users, permissions, role_permissions, the service roles and
 * stratus_current_organization().
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create type stratus_role as enum (${sql.join(STRATUS_ROLES.map((role) => sql.lit(role)))})`.execute(db);

  await sql`
    create table api_tokens (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      name text not null,
      token_prefix text not null,
      token_hash bytea not null unique,
      role stratus_role not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      expires_at timestamptz,
      revoked_at timestamptz,
      constraint api_tokens_token_hash_is_sha256 check (octet_length(token_hash) = 32)
    )
  `.execute(db);
  await sql`create index api_tokens_organization_id_idx on api_tokens (organization_id, created_at desc)`.execute(db);
  await sql`create index api_tokens_user_id_idx on api_tokens (user_id)`.execute(db);
  await sql`alter table api_tokens enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on api_tokens for all
      using (organization_id = stratus_current_organization())
      with check (organization_id = stratus_current_organization())
  `.execute(db);
  // Tokens are created and revoked by the admin CLI as the owner; services only read them.
  await sql`grant select on api_tokens to stratus_service`.execute(db);

  // A request carries a token but not yet a tenant, so RLS would hide every row: this function
  // (owner's rights; a fixed search_path and qualified names so a caller cannot shadow
  // api_tokens) is the one way in. It answers only for the exact hash of a live token (not
  // revoked, not expired, its user still active: users are disabled rather than deleted) and
  // reveals nothing else. last_used_at is written at most once a minute so a busy token does not
  // turn every cache miss into a write.
  await sql`
    create function stratus_authenticate(p_token_hash bytea)
    returns table (token_id uuid, organization_id uuid, user_id uuid, role stratus_role)
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
    as $$
    #variable_conflict use_column
    begin
      return query
        select t.id, t.organization_id, t.user_id, t.role
          from public.api_tokens t
          join public.users u on u.id = t.user_id
         where t.token_hash = p_token_hash
           and u.status = 'active'
           and t.revoked_at is null
           and (t.expires_at is null or t.expires_at > now());
      if found then
        update public.api_tokens t
           set last_used_at = now()
         where t.token_hash = p_token_hash
           and (t.last_used_at is null or t.last_used_at < now() - interval '1 minute');
      end if;
    end
    $$
  `.execute(db);
  await sql`revoke all on function stratus_authenticate(bytea) from public`.execute(db);
  await sql`grant execute on function stratus_authenticate(bytea) to stratus_service`.execute(db);

  const rows = Object.entries(PERMISSION_CATALOGUE).map(([name, description]) => {
    const [resourceType, actionType] = name.split(':');
    return sql`(${name}, ${description}, ${resourceType}, ${actionType})`;
  });
  await sql`
    insert into permissions (name, description, resource_type, action_type)
    values ${sql.join(rows)}
    on conflict (name) do nothing
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // role_permissions rows go with them (on delete cascade).
  await sql`delete from permissions where name = any(${Object.keys(PERMISSION_CATALOGUE)}::text[])`.execute(db);
  await sql`drop function if exists stratus_authenticate(bytea)`.execute(db);
  await sql`drop table if exists api_tokens`.execute(db);
  await sql`drop type if exists stratus_role`.execute(db);
}
