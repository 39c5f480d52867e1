import type { Transaction } from 'kysely';
import type { Database } from '@stratus/db';
import { openSecret, sealSecret, type Keyring } from '@stratus/vault';

type Trx = Transaction<Database>;

const contextOf = (organizationId: string, userId: string) => ({ table: 'user_totp_secrets', ids: [organizationId, userId] });

/** A new pending secret for the user (replacing a pending or enabled one: setup starts over). */
export async function savePendingTotpSecret(trx: Trx, keyring: Keyring, organizationId: string, userId: string, secret: string): Promise<void> {
  const sealed = JSON.stringify(sealSecret(keyring, { secret }, contextOf(organizationId, userId)));
  await trx
    .insertInto('user_totp_secrets')
    .values({ user_id: userId, organization_id: organizationId, secret: sealed, key_id: keyring.active })
    .onConflict((conflict) => conflict.column('user_id').doUpdateSet({ secret: sealed, key_id: keyring.active, enabled_at: null }))
    .execute();
}

export interface StoredTotp {
  secret: string;
  enabled: boolean;
}

export async function totpSecretOf(trx: Trx, keyring: Keyring, organizationId: string, userId: string): Promise<StoredTotp | undefined> {
  const row = await trx.selectFrom('user_totp_secrets').select(['secret', 'enabled_at']).where('user_id', '=', userId).executeTakeFirst();
  if (!row) return undefined;
  const { secret } = openSecret(keyring, row.secret, contextOf(organizationId, userId)) as { secret: string };
  return { secret, enabled: row.enabled_at !== null };
}

/** Turns the second factor on or off (off forgets the secret: turning it on again needs a new setup). */
export async function setTotpEnabled(trx: Trx, userId: string, enabled: boolean): Promise<void> {
  if (enabled) {
    await trx.updateTable('user_totp_secrets').set({ enabled_at: new Date() }).where('user_id', '=', userId).execute();
  } else {
    await trx.deleteFrom('user_totp_secrets').where('user_id', '=', userId).execute();
  }
  await trx.updateTable('users').set({ mfa_enabled: enabled }).where('id', '=', userId).execute();
}
