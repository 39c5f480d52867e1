/**
 * An account's credentials in cloud_credentials, sealed with @stratus/vault, and the adapter built
 * with them. Here rather than in a service: the ingestion service stores them and syncs with them,
 * the action executor carries out operations with them, and both must seal and open them alike.
 * Only those two database roles may read the table.
 */
import type { Transaction } from 'kysely';
import type { Database } from '@stratus/db';
import { openSecret, sealSecret, type Keyring } from '@stratus/vault';
import type { AdapterKind, CloudAccountRef, CloudAdapter, CloudProvider } from './adapter.ts';
import { credentialsSchemas, type CloudCredentials } from './credentials.ts';
import { createAdapter } from './factory.ts';

/** The account a credential belongs to; its two ids are the additional authenticated data of the seal. */
export interface CredentialOwner {
  id: string;
  organization_id: string;
  provider: CloudProvider;
}

/**
 * Binding the ciphertext to its organisation and account means a sealed row copied onto another
 * account (by a bug or by someone with write access to the table) fails to open instead of lending
 * one account's credentials to another.
 */
function aadOf(account: CredentialOwner) {
  return { table: 'cloud_credentials', ids: [account.organization_id, account.id] };
}

/** Seals the credentials under the active key and stores them as the account's only credential. */
export async function storeCredentials(
  trx: Transaction<Database>,
  keyring: Keyring,
  account: CredentialOwner,
  credentials: CloudCredentials,
  userId: string | null,
): Promise<void> {
  const secret = sealSecret(keyring, credentials, aadOf(account));
  await trx
    .insertInto('cloud_credentials')
    .values({
      organization_id: account.organization_id,
      cloud_account_id: account.id,
      user_id: userId,
      provider: account.provider,
      secret: JSON.stringify(secret),
      key_id: secret.kid,
    })
    .onConflict((conflict) =>
      conflict.column('cloud_account_id').doUpdateSet((eb) => ({
        secret: eb.ref('excluded.secret'),
        key_id: eb.ref('excluded.key_id'),
        user_id: eb.ref('excluded.user_id'),
      })),
    )
    .execute();
}

/**
 * The account's decrypted credentials, checked against its provider's schema, or undefined when it
 * has none (a simulated or unlinked account). For building adapters; never return them to a client.
 */
export async function loadCredentials(
  trx: Transaction<Database>,
  keyring: Keyring,
  account: CredentialOwner,
): Promise<CloudCredentials | undefined> {
  const row = await trx
    .selectFrom('cloud_credentials')
    .select('secret')
    .where('cloud_account_id', '=', account.id)
    .executeTakeFirst();
  if (!row) return undefined;
  const parsed = credentialsSchemas[account.provider].safeParse(openSecret(keyring, row.secret, aadOf(account)));
  // The issues would quote field names only, but the payload is a secret: say nothing of it.
  if (!parsed.success) throw new Error(`the stored credentials of cloud account ${account.id} are not valid ${account.provider} credentials`);
  return parsed.data;
}

export async function deleteCredentials(trx: Transaction<Database>, cloudAccountId: string): Promise<void> {
  await trx.deleteFrom('cloud_credentials').where('cloud_account_id', '=', cloudAccountId).execute();
}

/** An account without a recorded adapter is simulated: nothing reaches a real cloud by default. */
export function adapterKindOf(settings: Record<string, unknown>): AdapterKind {
  return settings.adapter === 'live' ? 'live' : 'sim';
}

/**
 * The account's adapter: the simulated cloud, or the live one with its credentials decrypted for
 * this use only (never kept, logged or returned). Runs in the caller's tenant transaction, as a
 * role that may read cloud_credentials (ingestion, action executor).
 */
export async function resolveAdapter(
  trx: Transaction<Database>,
  keyring: Keyring,
  account: CredentialOwner & Pick<CloudAccountRef, 'account_id' | 'settings'>,
): Promise<CloudAdapter> {
  const kind = adapterKindOf(account.settings);
  const credentials = kind === 'live' ? await loadCredentials(trx, keyring, account) : undefined;
  return createAdapter({ id: account.id, provider: account.provider, account_id: account.account_id, settings: account.settings }, kind, credentials);
}

/** resolveAdapter bound to the service's CREDENTIALS_KEYS, as a sync or an operation asks for it. */
export function adapterResolver(keyring: Keyring) {
  return (trx: Transaction<Database>, account: Parameters<typeof resolveAdapter>[2]) => resolveAdapter(trx, keyring, account);
}
