import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization } from '@stratus/auth';
import { createDb, withTenant } from '@stratus/db';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { parseKeyring } from '@stratus/vault';
import type { AzureCredentials } from './credentials.ts';
import { CloudCredentialsError } from './adapter.ts';
import { loadCredentials, resolveAdapter, storeCredentials, type CredentialOwner } from './account-credentials.ts';

const keyring = parseKeyring(`k1:${randomBytes(32).toString('base64')}`);
const credentials: AzureCredentials = {
  tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  client_id: '5b2a4e0c-1d3f-4a8b-9c7d-6e5f4a3b2c1d',
  client_secret: 'azure-client-secret',
};

let database: TestDatabase;
let ingestion: ReturnType<typeof createDb>;
let organizationId: string;
type Account = CredentialOwner & { account_id: string };
let first: Account;
let second: Account;

/** Azure subscriptions linked to the organisation, without credentials. */
async function azureAccounts(subscriptions: [string, string]): Promise<[Account, Account]> {
  const accounts = await database.owner
    .insertInto('cloud_accounts')
    .values(subscriptions.map((account_id) => ({ organization_id: organizationId, provider: 'AZURE' as const, account_id, name: account_id })))
    .returning(['id', 'organization_id', 'provider', 'account_id'])
    .execute();
  return accounts as [Account, Account];
}

beforeAll(async () => {
  database = await createTestDatabase();
  ingestion = createDb({ url: database.url, role: 'stratus_ingestion', max: 2 });
  organizationId = (await bootstrapOrganization(database.owner, { organizationName: 'Vault', adminEmail: 'admin@vault.test' })).organization.id;
  [first, second] = await azureAccounts(['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222']);
});

afterAll(async () => {
  await ingestion?.destroy();
  await database?.drop();
});

const load = (account: CredentialOwner, ring = keyring) => withTenant(ingestion, organizationId, (trx) => loadCredentials(trx, ring, account));

describe('stored credentials', () => {
  it('open to what was stored, and a replacement replaces them', async () => {
    await withTenant(ingestion, organizationId, (trx) => storeCredentials(trx, keyring, first, credentials, null));
    expect(await load(first)).toEqual(credentials);

    const replacement = { ...credentials, client_secret: 'rotated-client-secret' };
    await withTenant(ingestion, organizationId, (trx) => storeCredentials(trx, keyring, first, replacement, null));
    expect(await load(first)).toEqual(replacement);
    const rows = await database.owner.selectFrom('cloud_credentials').select('key_id').where('cloud_account_id', '=', first.id).execute();
    expect(rows).toEqual([{ key_id: 'k1' }]);
  });

  it('are absent for an account without any', async () => {
    expect(await load(second)).toBeUndefined();
  });

  it('do not open when copied onto another account', async () => {
    const { secret } = await database.owner
      .selectFrom('cloud_credentials')
      .select('secret')
      .where('cloud_account_id', '=', first.id)
      .executeTakeFirstOrThrow();
    await database.owner
      .insertInto('cloud_credentials')
      .values({ organization_id: organizationId, cloud_account_id: second.id, provider: 'AZURE', secret: JSON.stringify(secret), key_id: secret.kid })
      .execute();

    await expect(load(second)).rejects.toThrow(`the secret of cloud_credentials ${organizationId}/${second.id} could not be decrypted`);
  });

  it('do not open without the key that sealed them, and the error says which key', async () => {
    const otherKeys = parseKeyring(`k2:${randomBytes(32).toString('base64')}`);

    await expect(load(first, otherKeys)).rejects.toThrow('a secret was sealed with key k1, which is not in CREDENTIALS_KEYS');
  });
});

describe('resolving an account\'s adapter outside the ingestion service', () => {
  let executor: ReturnType<typeof createDb>;
  let cost: ReturnType<typeof createDb>;
  let account: Account;
  let bare: Account;

  beforeAll(async () => {
    executor = createDb({ url: database.url, role: 'stratus_action_executor', max: 1 });
    cost = createDb({ url: database.url, role: 'stratus_cost', max: 1 });
    [account, bare] = await azureAccounts(['33333333-3333-4333-8333-333333333333', '44444444-4444-4444-8444-444444444444']);
    await withTenant(ingestion, organizationId, (trx) => storeCredentials(trx, keyring, account, credentials, null));
  });
  afterAll(async () => {
    await executor?.destroy();
    await cost?.destroy();
  });

  it('builds the live adapter with the stored credentials as the action executor', async () => {
    const adapter = await withTenant(executor, organizationId, (trx) => resolveAdapter(trx, keyring, { ...account, settings: { adapter: 'live' } }));
    expect(adapter).toMatchObject({ kind: 'live', provider: 'AZURE' });
  });

  it('builds the simulated adapter without reading credentials, for any role', async () => {
    const adapter = await withTenant(cost, organizationId, (trx) => resolveAdapter(trx, keyring, { ...account, settings: {} }));
    expect(adapter).toMatchObject({ kind: 'sim', provider: 'AZURE' });
  });

  it('cannot read the credentials as another service\'s role', async () => {
    await expect(
      withTenant(cost, organizationId, (trx) => resolveAdapter(trx, keyring, { ...account, settings: { adapter: 'live' } })),
    ).rejects.toThrow(/permission denied for table cloud_credentials/);
  });

  it('says how to add credentials to a live account that has none', async () => {
    await expect(
      withTenant(executor, organizationId, (trx) => resolveAdapter(trx, keyring, { ...bare, settings: { adapter: 'live' } })),
    ).rejects.toThrow(CloudCredentialsError);
  });
});
