import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapOrganization } from '@stratus/auth';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { credentialsKeys, openSecret, sealSecret } from '@stratus/vault';
import { stratus } from '../../test/run-cli.ts';

const entry = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;
const k0 = entry('k0');
const k1 = entry('k1');
const k2 = entry('k2');

let database: TestDatabase;
let organizationId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  organizationId = (await bootstrapOrganization(database.owner, { organizationName: 'Keys', adminEmail: 'admin@keys.test' })).organization.id;
});

afterAll(async () => {
  await database?.drop();
});

/** Links `count` accounts whose credentials are sealed under the first key of `keys`. */
async function sealedAccounts(keys: string, count: number, firstAccountId: number) {
  const keyring = credentialsKeys.parse(keys);
  const accounts = [];
  for (let index = 0; index < count; index += 1) {
    const account = await database.owner
      .insertInto('cloud_accounts')
      .values({ organization_id: organizationId, provider: 'AWS', account_id: String(firstAccountId + index), name: `account ${index}` })
      .returning(['id', 'organization_id'])
      .executeTakeFirstOrThrow();
    const payload = { method: 'assume_role', role_arn: `arn:aws:iam::${firstAccountId + index}:role/Stratus`, external_id: `external-${index}` };
    const aad = { table: 'cloud_credentials', ids: [account.organization_id, account.id] };
    const secret = sealSecret(keyring, payload, aad);
    await database.owner
      .insertInto('cloud_credentials')
      .values({ organization_id: organizationId, cloud_account_id: account.id, provider: 'AWS', secret: JSON.stringify(secret), key_id: secret.kid })
      .execute();
    accounts.push({ id: account.id, payload, aad });
  }
  return accounts;
}

/** Seals a webhook signing secret for a new organisation under the first key of `keys`. */
async function sealedSigningSecret(keys: string, name: string) {
  const organization = (await bootstrapOrganization(database.owner, { organizationName: name, adminEmail: `admin@${name}.test` })).organization;
  const payload = `whsec_${name}`;
  const aad = { table: 'webhook_signing_secrets', ids: [organization.id] };
  const secret = sealSecret(credentialsKeys.parse(keys), payload, aad);
  await database.owner
    .insertInto('webhook_signing_secrets')
    .values({ organization_id: organization.id, secret: JSON.stringify(secret), key_id: secret.kid })
    .execute();
  return { id: organization.id, payload, aad };
}

/** A Terraform state whose file and HTTP backend are sealed under the first key of `keys`; the ids as the ingestion service binds them. */
async function sealedState(keys: string) {
  const keyring = credentialsKeys.parse(keys);
  const state = await database.owner.insertInto('terraform_states').values({ organization_id: organizationId, name: 'prod', backend: 'http' }).returning('id').executeTakeFirstOrThrow();
  const aad = (column: string) => ({ table: 'terraform_states', ids: [organizationId, state.id, column] });
  const file = { version: 4, resources: [], outputs: { password: { value: 'p' } } };
  const backend = { url: 'https://tf.example.com/state/prod', password: 'p' };
  await database.owner
    .updateTable('terraform_states')
    .set({ state_file: JSON.stringify(sealSecret(keyring, file, aad('state_file'))), backend_config: JSON.stringify(sealSecret(keyring, backend, aad('backend_config'))) })
    .where('id', '=', state.id)
    .execute();
  return { id: state.id, file, backend, aad };
}

function signingSecretOf(organizationId: string) {
  return database.owner
    .selectFrom('webhook_signing_secrets')
    .select(['key_id', 'secret'])
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
}

function credentialOf(cloudAccountId: string) {
  return database.owner
    .selectFrom('cloud_credentials')
    .select(['key_id', 'secret'])
    .where('cloud_account_id', '=', cloudAccountId)
    .executeTakeFirstOrThrow();
}

describe('stratus credentials rotate', () => {
  it('re-wraps every credential and signing secret under the active key, in batches, and then finds nothing to do', async () => {
    const accounts = await sealedAccounts(k1, 7, 100_000_000_000);
    const signing = await sealedSigningSecret(k1, 'rotated');
    const state = await sealedState(k1);
    const env = { DATABASE_URL: database.url, CREDENTIALS_KEYS: `${k2},${k1}` };

    const first = await stratus(['credentials', 'rotate', '--batch-size', '3'], env);
    const second = await stratus(['credentials', 'rotate'], env);

    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('cloud_credentials: 7 to re-wrap under k2');
    expect(first.stdout).toMatch(/3\/7\n.*6\/7\n.*7\/7\n/);
    expect(first.stdout).toContain('cloud_credentials: re-wrapped 7 from k1 to k2; 0 failed');
    expect(first.stdout).toContain('webhook_signing_secrets: 1 to re-wrap under k2');
    expect(first.stdout).toContain('webhook_signing_secrets: re-wrapped 1 from k1 to k2; 0 failed');
    expect(second.stdout).toContain('cloud_credentials: re-wrapped 0 from (none) to k2; 0 failed');
    expect(second.stdout).toContain('webhook_signing_secrets: re-wrapped 0 from (none) to k2; 0 failed');
    expect(first.stdout).toContain('terraform_states.state_file: re-wrapped 1 from k1 to k2; 0 failed');
    expect(first.stdout).toContain('terraform_states.backend_config: re-wrapped 1 from k1 to k2; 0 failed');
    expect(second.stdout).toContain('terraform_states.state_file: 0 to re-wrap under k2');
    const onlyK2 = credentialsKeys.parse(k2);
    for (const { id, payload, aad } of accounts) {
      const { key_id, secret } = await credentialOf(id);
      expect(key_id).toBe('k2');
      expect(secret.kid).toBe('k2');
      expect(openSecret(onlyK2, secret, aad)).toEqual(payload);
    }
    const { key_id, secret } = await signingSecretOf(signing.id);
    expect(key_id).toBe('k2');
    expect(openSecret(onlyK2, secret, signing.aad)).toBe(signing.payload);
    const sealed = await database.owner.selectFrom('terraform_states').select(['state_file', 'backend_config']).where('id', '=', state.id).executeTakeFirstOrThrow();
    expect(openSecret(onlyK2, sealed.state_file as never, state.aad('state_file'))).toEqual(state.file);
    expect(openSecret(onlyK2, sealed.backend_config as never, state.aad('backend_config'))).toEqual(state.backend);
  });

  it('reports each secret whose key is not in CREDENTIALS_KEYS, re-wraps the others and fails', async () => {
    const [orphan] = await sealedAccounts(k0, 1, 200_000_000_000);
    const [rewrappable] = await sealedAccounts(k1, 1, 200_000_000_001);
    const orphanSecret = await sealedSigningSecret(k0, 'orphan');

    const run = await stratus(['credentials', 'rotate'], { DATABASE_URL: database.url, CREDENTIALS_KEYS: `${k2},${k1}` });

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('cloud_credentials: re-wrapped 1 from k1 to k2; 1 failed');
    expect(run.stdout).toContain('webhook_signing_secrets: re-wrapped 0 from (none) to k2; 1 failed');
    expect(run.stderr).toContain('cloud_credentials ');
    expect(run.stderr).toContain(`webhook_signing_secrets ${orphanSecret.id}: a secret was sealed with key k0, which is not in CREDENTIALS_KEYS`);
    expect(run.stderr).toContain('2 secrets were not re-wrapped');
    expect((await signingSecretOf(orphanSecret.id)).key_id).toBe('k0');
    expect((await credentialOf(orphan!.id)).key_id).toBe('k0');
    expect((await credentialOf(rewrappable!.id)).key_id).toBe('k2');
  });

  it('exits 2 naming CREDENTIALS_KEYS when it is missing or malformed', async () => {
    const missing = await stratus(['credentials', 'rotate'], { DATABASE_URL: database.url });
    const malformed = await stratus(['credentials', 'rotate'], { DATABASE_URL: database.url, CREDENTIALS_KEYS: 'k1:c2hvcnQ=' });

    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain('CREDENTIALS_KEYS is not set');
    expect(missing.stderr).toContain('stratus credentials generate-key');
    expect(malformed).toMatchObject({ code: 2, stdout: '' });
    expect(malformed.stderr).toContain('CREDENTIALS_KEYS is invalid: key k1 must be 32 bytes');
  });
});

describe('stratus credentials generate-key', () => {
  it('prints a new entry that CREDENTIALS_KEYS accepts', async () => {
    const dated = await stratus(['credentials', 'generate-key'], {});
    const named = await stratus(['credentials', 'generate-key', '--kid', 'k2030'], {});

    expect(dated.stdout).toMatch(/^k\d{8}:[A-Za-z0-9+/]{43}=\n$/);
    expect(named.stdout).toMatch(/^k2030:/);
    expect(credentialsKeys.parse(`${named.stdout.trim()},${dated.stdout.trim()}`)).toBeDefined();
    expect(named.stdout).not.toBe(dated.stdout.replace(/^k\d{8}/, 'k2030'));
  });
});
