import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * Webhook signing secrets are sealed like cloud credentials: an envelope from @stratus/vault under
 * CREDENTIALS_KEYS, bound to its organisation, with the kid beside it for rotation.
 *
 * The clear-text column is replaced, not converted: a migration runs with DATABASE_URL alone, never
 * with the keys, so it cannot seal anything. None is lost outside development databases: the table
 * came with 1763856000009 on the same unreleased line of work. A secret deleted here is made again
 * with POST /v1/webhook-signing-secret; until then that organisation's webhook deliveries fail, saying so.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`delete from webhook_signing_secrets`,
    sql`alter table webhook_signing_secrets drop column secret`,
    // The CHECK makes storing a clear secret by mistake fail loudly, as on cloud_credentials.
    sql`
      alter table webhook_signing_secrets
        add column secret jsonb not null,
        add column key_id text not null,
        add constraint webhook_signing_secrets_secret_is_envelope check (
          jsonb_typeof(secret) = 'object'
          and secret ?& array['alg', 'kid', 'iv', 'tag', 'wrapped_key', 'ciphertext']
        )
    `,
    sql`
      comment on column webhook_signing_secrets.secret is
        'Only the envelope-encrypted secret {alg, kid, iv, tag, wrapped_key, ciphertext} (base64 fields), never the secret in clear.'
    `,
    sql`comment on column webhook_signing_secrets.key_id is 'The key-encryption key that wrapped the data key (for rotation).'`,
    sql`create index webhook_signing_secrets_key_id_idx on webhook_signing_secrets (key_id)`,
  ]);
}

/** Back to the clear column, empty: a sealed secret cannot be opened without the keys either. */
export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`delete from webhook_signing_secrets`,
    sql`drop index webhook_signing_secrets_key_id_idx`,
    sql`alter table webhook_signing_secrets drop column key_id, drop column secret`,
    sql`alter table webhook_signing_secrets add column secret text not null`,
  ]);
}
