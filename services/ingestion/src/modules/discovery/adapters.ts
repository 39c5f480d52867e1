import { createAdapter } from '@stratus/cloud';
import type { Keyring } from '@stratus/vault';
import { loadCredentials } from '../cloud-accounts/credentials.repository.ts';
import { adapterOf } from '../cloud-accounts/cloud-accounts.schemas.ts';
import type { SyncDependencies } from './discovery.service.ts';

/** An account's adapter: the simulated cloud, or the live one with its credentials decrypted for this use only. */
export function adapterResolver(keyring: Keyring): SyncDependencies['adapterFor'] {
  return async (trx, account) => {
    const kind = adapterOf(account.settings);
    const credentials = kind === 'live' ? await loadCredentials(trx, keyring, account) : undefined;
    return createAdapter(
      { id: account.id, provider: account.provider, account_id: account.account_id, settings: account.settings },
      kind,
      credentials,
    );
  };
}
