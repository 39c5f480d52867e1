import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

const CONSOLE_ROLE = 'stratus_console';

/**
 * People's sign-in, owned by the console service (ARCHITECTURE.md): its database role, a role per
 * user, sealed TOTP secrets and one-time invitations.
 *
 * The console writes users (invitations, roles, password hashes, last login) and api_tokens: at
 * sign-in it mints the token that its gateway presents to the other services for the session,
 * and revokes it at sign-out, as the admin CLI does as the owner for machines. Like every service
 * it joins stratus_service (the outbox, stratus_authenticate, reading tenants' rows under RLS).
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Roles are cluster-wide: created when missing and never dropped (see Foundation's createRoles).
  await sql`
    do $$
    begin
      if not exists (select from pg_roles where rolname = ${sql.lit(CONSOLE_ROLE)}) then
        begin
          create role stratus_console nologin;
        exception when duplicate_object or unique_violation then null;
        end;
      end if;
      if not pg_has_role(${sql.lit(CONSOLE_ROLE)}, 'stratus_service', 'member') then
        begin
          grant stratus_service to stratus_console;
        exception when duplicate_object or unique_violation then null;
        end;
      end if;
    end
    $$
  `.execute(db);

  await execute(db, [
    // The role API tokens already carry, now on the person: the session's token is minted with it.
    sql`alter table users add column role stratus_role not null default 'viewer'`,
    // Users who hold an admin token (the bootstrap admins) administer their organisation's people too.
    sql`
      update users set role = 'admin'
       where id in (select user_id from api_tokens where role = 'admin' and revoked_at is null)
    `,
    sql`alter table users add constraint users_status_is_known check (status in ('active', 'disabled'))`,
    sql`grant insert, update on users to stratus_console`,
    sql`grant insert, update on api_tokens to stratus_console`,

    sql`
      create table user_totp_secrets (
        user_id uuid primary key references users (id) on delete cascade,
        organization_id uuid not null references organizations (id) on delete cascade,
        secret jsonb not null,
        key_id text not null,
        enabled_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint user_totp_secrets_secret_is_envelope check (
          jsonb_typeof(secret) = 'object'
          and secret ?& array['alg', 'kid', 'iv', 'tag', 'wrapped_key', 'ciphertext']
        )
      )
    `,
    sql`
      comment on column user_totp_secrets.secret is
        'Only the envelope-encrypted TOTP secret {alg, kid, iv, tag, wrapped_key, ciphertext}, never the secret in clear.'
    `,
    sql`comment on column user_totp_secrets.enabled_at is 'Null while set up but not yet confirmed with a code.'`,
    sql`create index user_totp_secrets_organization_id_idx on user_totp_secrets (organization_id)`,
    sql`create index user_totp_secrets_key_id_idx on user_totp_secrets (key_id)`,

    sql`
      create table user_invitations (
        id uuid primary key default gen_random_uuid(),
        organization_id uuid not null references organizations (id) on delete cascade,
        email text not null,
        name text not null,
        role stratus_role not null,
        token_hash bytea not null unique,
        invited_by uuid references users (id) on delete set null,
        expires_at timestamptz not null,
        accepted_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint user_invitations_email_is_lower_case check (email = lower(email)),
        constraint user_invitations_token_hash_is_sha256 check (octet_length(token_hash) = 32)
      )
    `,
    sql`create index user_invitations_organization_id_idx on user_invitations (organization_id, created_at desc)`,
  ]);
  for (const table of ['user_totp_secrets', 'user_invitations']) {
    await execute(db, [
      sql`alter table ${sql.table(table)} enable row level security`,
      sql`
        create policy tenant_isolation on ${sql.table(table)} for all
          using (organization_id = stratus_current_organization())
          with check (organization_id = stratus_current_organization())
      `,
      sql`
        create trigger ${sql.id(`${table}_set_updated_at`)} before update on ${sql.table(table)}
          for each row execute function set_updated_at()
      `,
      // Secrets and invitation hashes: the console alone reads them, not the stratus_service group.
      sql`grant select, insert, update, delete on ${sql.table(table)} to stratus_console`,
    ]);
  }
  // Signing in and accepting an invitation happen before the tenant is known, so RLS hides every
  // row: as stratus_authenticate does for tokens, these functions (owner's rights, fixed
  // search_path, qualified names) are the one way in, answer for one exact key and reveal only
  // what the console needs to go on under the tenant's RLS.
  await execute(db, [
    sql`
      create function stratus_console_find_user(p_email text)
      returns table (user_id uuid, organization_id uuid, password_hash text, status text)
      language sql stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select u.id, u.organization_id, u.password_hash, u.status from public.users u where u.email = lower(p_email)
      $$
    `,
    sql`
      create function stratus_console_find_invitation(p_token_hash bytea)
      returns table (invitation_id uuid, organization_id uuid)
      language sql stable
      security definer
      set search_path = pg_catalog, pg_temp
      as $$
        select i.id, i.organization_id from public.user_invitations i
         where i.token_hash = p_token_hash and i.accepted_at is null and i.expires_at > now()
      $$
    `,
    sql`revoke all on function stratus_console_find_user(text) from public`,
    sql`revoke all on function stratus_console_find_invitation(bytea) from public`,
    sql`grant execute on function stratus_console_find_user(text) to stratus_console`,
    sql`grant execute on function stratus_console_find_invitation(bytea) to stratus_console`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`drop function if exists stratus_console_find_invitation(bytea)`,
    sql`drop function if exists stratus_console_find_user(text)`,
    sql`drop table if exists user_invitations`,
    sql`drop table if exists user_totp_secrets`,
    sql`revoke insert, update on api_tokens from stratus_console`,
    sql`revoke insert, update on users from stratus_console`,
    sql`alter table users drop constraint if exists users_status_is_known`,
    sql`alter table users drop column if exists role`,
  ]);
}
