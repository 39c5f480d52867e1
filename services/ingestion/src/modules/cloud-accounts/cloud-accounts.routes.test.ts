/**
 * The cloud accounts API as the service runs it (its real app, its database role, row-level
 * security, the outbox), with every log line of the app captured to prove that no credential
 * secret leaves the request: not in responses, not in logs, not in the database in plaintext.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bootstrapOrganization, createApiToken } from '@stratus/auth';
import { loadCredentials, type CloudProvider } from '@stratus/cloud';
import { withTenant } from '@stratus/db';
import { startIngestionApp, type IngestionApp } from '../../../test/ingestion-app.ts';

/** Every secret below contains one of these markers, so a leak is found by a plain substring search. */
const SECRET_MARKERS = ['zzAwsSecretKEY', 'zzSessionTOKEN', 'zzExternalID', 'zzAzureSECRET', 'zzGcpPrivateKEY', 'zzReplacedSECRET'];

const live = {
  AWS: {
    account_id: '123456789012',
    credentials: {
      method: 'access_keys',
      access_key_id: 'AKIAIOSFODNN7EXAMPLE',
      secret_access_key: 'wJalrXUtnFEMI-K7MDENG-zzAwsSecretKEY',
      session_token: 'FwoGZXIvYXdzEXAMPLE-zzSessionTOKEN',
    },
    summary: { method: 'access_keys', access_key_id: '****MPLE' },
    replacement: {
      method: 'assume_role',
      role_arn: 'arn:aws:iam::123456789012:role/StratusReadOnly',
      external_id: 'stratus-zzExternalID',
    },
    replacementSummary: { method: 'assume_role', role_arn: 'arn:aws:iam::123456789012:role/StratusReadOnly' },
  },
  AZURE: {
    account_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    credentials: {
      tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      client_id: '5b2a4e0c-1d3f-4a8b-9c7d-6e5f4a3b2c1d',
      client_secret: 'Qx8~zzAzureSECRET~vT3',
    },
    summary: { method: 'client_secret', tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47', client_id: '5b2a4e0c-1d3f-4a8b-9c7d-6e5f4a3b2c1d' },
    replacement: {
      tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      client_id: '5b2a4e0c-1d3f-4a8b-9c7d-6e5f4a3b2c1d',
      client_secret: 'Rt5~zzReplacedSECRET~wq',
    },
    replacementSummary: { method: 'client_secret', tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47', client_id: '5b2a4e0c-1d3f-4a8b-9c7d-6e5f4a3b2c1d' },
  },
  GCP: {
    account_id: 'stratus-prod-4821',
    credentials: {
      service_account: {
        type: 'service_account',
        project_id: 'stratus-prod-4821',
        private_key_id: '1f2e3d4c5b6a',
        private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-zzGcpPrivateKEY\n-----END PRIVATE KEY-----\n',
        client_email: 'stratus-reader@stratus-prod-4821.iam.gserviceaccount.com',
        client_id: '104862938475610293847',
      },
    },
    summary: { method: 'service_account', client_email: 'stratus-reader@stratus-prod-4821.iam.gserviceaccount.com' },
    replacement: {
      service_account: {
        type: 'service_account',
        project_id: 'stratus-prod-4821',
        private_key_id: '6a5b4c3d2e1f',
        private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0-zzReplacedSECRET\n-----END PRIVATE KEY-----\n',
        client_email: 'stratus-reader2@stratus-prod-4821.iam.gserviceaccount.com',
      },
    },
    replacementSummary: { method: 'service_account', client_email: 'stratus-reader2@stratus-prod-4821.iam.gserviceaccount.com' },
  },
} as const;

const providers = Object.keys(live) as CloudProvider[];

/** Credentials each provider's schema refuses, with the field the error must name. */
const invalidCredentials = [
  ['AWS', { method: 'access_keys', access_key_id: 'not-a-key-zzAwsSecretKEY', secret_access_key: 'short-zzAwsSecretKEY' }, 'body.credentials.access_key_id'],
  ['AWS', { method: 'assume_role', role_arn: 'arn:aws:iam::1:user/zzExternalID', external_id: 'zzExternalID' }, 'body.credentials.role_arn'],
  ['AZURE', { tenant_id: 'zzAzureSECRET', client_id: randomUUID(), client_secret: 'zzAzureSECRET' }, 'body.credentials.tenant_id'],
  ['GCP', { service_account: { ...live.GCP.credentials.service_account, private_key: 'zzGcpPrivateKEY' } }, 'body.credentials.service_account.private_key'],
] as const;

let ingestion: IngestionApp;
let database: IngestionApp['database'];
let deps: IngestionApp['deps'];
let call: IngestionApp['call'];
const logLines: string[] = [];
let admin: string;
let viewer: string;
let otherOrganization: string;
let organizationId: string;
let userId: string;

beforeAll(async () => {
  // No redaction here, unlike the services' logger: the test proves secrets are never logged at
  // all, not that the safety net catches them.
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  ingestion = await startIngestionApp({ logger });
  ({ database, deps, call, organizationId, userId, token: admin } = ingestion);
  const b = await bootstrapOrganization(database.owner, { organizationName: 'B', adminEmail: 'admin@b.test' });
  otherOrganization = b.token.token;
  viewer = (await createApiToken(database.owner, { organizationId, userId, role: 'viewer' })).token;
});

afterAll(async () => {
  await ingestion?.close();
});

function link(body: Record<string, unknown>, token?: string) {
  return call('POST', '/v1/cloud-accounts', { token, body });
}

function linkLive(provider: CloudProvider, extra: Record<string, unknown> = {}) {
  const { account_id, credentials } = live[provider];
  return link({ provider, account_id, name: `${provider} production`, adapter: 'live', credentials, ...extra });
}

function outbox(type: string, cloudAccountId: string) {
  return database.owner
    .selectFrom('event_outbox_events')
    .select(['type', 'producer', 'envelope'])
    .where('type', '=', type)
    .where(sql<boolean>`envelope -> 'data' ->> 'cloud_account_id' = ${cloudAccountId}`)
    .execute();
}

async function credentialRowText(cloudAccountId: string): Promise<string | undefined> {
  const { rows } = await sql<{ row: string }>`
    select row_to_json(c)::text as row from cloud_credentials c where cloud_account_id = ${cloudAccountId}
  `.execute(database.owner);
  return rows[0]?.row;
}

describe.each(providers)('a live %s account', (provider) => {
  const fixture = live[provider];

  it('is linked, listed, read, updated and unlinked, with only the envelope stored', async () => {
    const linked = await linkLive(provider, { settings: { regions: ['eu-west-1'] } });
    expect(linked.status, JSON.stringify(linked.body)).toBe(201);
    const id = linked.body.id as string;
    expect(linked.body).toMatchObject({
      provider,
      account_id: fixture.account_id,
      name: `${provider} production`,
      adapter: 'live',
      status: 'connected',
      has_credentials: true,
      credentials: fixture.summary,
      settings: { adapter: 'live', regions: ['eu-west-1'], sync_interval_minutes: 360 },
      metadata: {},
      user_id: userId,
    });

    const stored = await credentialRowText(id);
    expect(stored).toBeDefined();
    for (const marker of SECRET_MARKERS) expect(stored).not.toContain(marker);
    const row = await database.owner.selectFrom('cloud_credentials').selectAll().where('cloud_account_id', '=', id).executeTakeFirstOrThrow();
    expect(Object.keys(row.secret).sort()).toEqual(['alg', 'ciphertext', 'iv', 'kid', 'tag', 'wrapped_key']);
    expect(row).toMatchObject({ key_id: 'k1', provider, organization_id: organizationId, user_id: userId });
    const opened = await withTenant(deps.db, organizationId, (trx) =>
      loadCredentials(trx, deps.config.CREDENTIALS_KEYS, { id, organization_id: organizationId, provider }),
    );
    expect(opened).toEqual(fixture.credentials);

    expect(await call('GET', `/v1/cloud-accounts/${id}`)).toEqual({ status: 200, body: linked.body });
    const list = await call('GET', `/v1/cloud-accounts?provider=${provider}`);
    expect(list.body.items.map((item: { id: string }) => item.id)).toEqual([id]);

    const updated = await call('PATCH', `/v1/cloud-accounts/${id}`, {
      body: { name: `${provider} prod`, settings: { sync_interval_minutes: 60 }, credentials: fixture.replacement },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toMatchObject({
      name: `${provider} prod`,
      has_credentials: true,
      credentials: fixture.replacementSummary,
      settings: { adapter: 'live', regions: ['eu-west-1'], sync_interval_minutes: 60 },
    });
    const replaced = await withTenant(deps.db, organizationId, (trx) =>
      loadCredentials(trx, deps.config.CREDENTIALS_KEYS, { id, organization_id: organizationId, provider }),
    );
    expect(replaced).toEqual(fixture.replacement);
    for (const marker of SECRET_MARKERS) expect(await credentialRowText(id)).not.toContain(marker);

    expect(await call('DELETE', `/v1/cloud-accounts/${id}`)).toEqual({ status: 204, body: undefined });
    expect(await credentialRowText(id)).toBeUndefined();
    const unlinked = await call('GET', `/v1/cloud-accounts/${id}`);
    expect(unlinked.body).toMatchObject({ status: 'unlinked', has_credentials: false, credentials: null, name: `${provider} prod` });

    const [linkedEvent, ...moreLinked] = await outbox('cloud_account.linked', id);
    expect(moreLinked).toEqual([]);
    expect(linkedEvent).toMatchObject({
      producer: 'ingestion',
      envelope: {
        tenant: organizationId,
        subject: id,
        data: { cloud_account_id: id, provider, account_id: fixture.account_id, name: `${provider} production`, user_id: userId },
      },
    });
    const [unlinkedEvent, ...moreUnlinked] = await outbox('cloud_account.unlinked', id);
    expect(moreUnlinked).toEqual([]);
    expect(unlinkedEvent?.envelope).toMatchObject({
      data: { cloud_account_id: id, provider, account_id: fixture.account_id, name: `${provider} prod`, user_id: userId },
    });
  });
});

describe('linking', () => {
  it('links a simulated account without credentials, with the server default adapter', async () => {
    const linked = await link({ provider: 'AWS', account_id: '210987654321', name: 'Sandbox', settings: { sim: { seed: 7, resources: 40 } } });

    expect(linked.status).toBe(201);
    expect(linked.body).toMatchObject({
      adapter: 'sim',
      has_credentials: false,
      credentials: null,
      settings: { adapter: 'sim', sync_interval_minutes: 360, sim: { seed: 7, resources: 40 } },
    });
    expect(await credentialRowText(linked.body.id)).toBeUndefined();
    expect(await outbox('cloud_account.linked', linked.body.id)).toHaveLength(1);
  });

  it("refuses settings the simulated cloud would refuse, naming them", async () => {
    const response = await link({ provider: 'AWS', account_id: '210987654399', name: 'x', settings: { sim: { resourcez: 10 } } });

    expect(response.status).toBe(400);
    expect(response.body.message).toContain('body.settings.sim');
    expect(response.body.message).toContain('resourcez');
  });

  it("keeps an Azure pay-as-you-go subscription's billing period start, and refuses one for a provider that bills calendar months", async () => {
    const azure = await link({ provider: 'AZURE', account_id: randomUUID(), name: 'pay-as-you-go', settings: { billing_period_start_day: 15 } });
    expect(azure.status).toBe(201);
    expect(azure.body.settings).toMatchObject({ billing_period_start_day: 15 });
    const moved = await call('PATCH', `/v1/cloud-accounts/${azure.body.id}`, { body: { settings: { billing_period_start_day: 3 } } });
    expect(moved.body.settings).toMatchObject({ billing_period_start_day: 3 });
    expect((await call('PATCH', `/v1/cloud-accounts/${azure.body.id}`, { body: { settings: { billing_period_start_day: 31 } } })).body.message).toContain(
      'body.settings.billing_period_start_day',
    );

    const aws = await link({ provider: 'AWS', account_id: '210987654398', name: 'x', settings: { billing_period_start_day: 15 } });
    expect(aws.status).toBe(400);
    expect(aws.body.message).toContain('body.settings.billing_period_start_day only an Azure pay-as-you-go subscription has a billing period of its own (AWS bills calendar months)');
    const gcp = await link({ provider: 'GCP', account_id: 'calendar-months', name: 'x' });
    const patched = await call('PATCH', `/v1/cloud-accounts/${gcp.body.id}`, { body: { settings: { billing_period_start_day: 15 } } });
    expect(patched).toMatchObject({
      status: 400,
      body: { message: 'body.settings.billing_period_start_day: only an Azure pay-as-you-go subscription has a billing period of its own (GCP bills calendar months)' },
    });
  });

  it('refuses credentials for a simulated account and a live account without them', async () => {
    const simWithCredentials = await link({ provider: 'AZURE', account_id: randomUUID(), name: 'x', adapter: 'sim', credentials: live.AZURE.credentials });
    const liveWithout = await link({ provider: 'AZURE', account_id: randomUUID(), name: 'x', adapter: 'live' });

    expect(simWithCredentials).toMatchObject({ status: 400, body: { message: expect.stringContaining('body.credentials must be absent for adapter "sim"') } });
    expect(liveWithout).toMatchObject({ status: 400, body: { message: 'invalid request: body.credentials is required for adapter "live"' } });
  });

  it.each([
    ['AWS', '1234567', 'must be a 12-digit AWS account id'],
    ['AZURE', 'not-a-subscription', 'must be an Azure subscription id'],
    ['GCP', 'Bad_Project', 'must be a GCP project id'],
  ] as const)('checks a %s account id', async (provider, account_id, message) => {
    const response = await link({ provider, account_id, name: 'x' });

    expect(response.status).toBe(400);
    expect(response.body.message).toContain(`body.account_id ${message}`);
  });

  it('stores an Azure subscription id in lower case, so one subscription cannot be linked twice', async () => {
    const id = randomUUID();
    const first = await link({ provider: 'AZURE', account_id: id.toUpperCase(), name: 'upper' });
    const second = await link({ provider: 'AZURE', account_id: id, name: 'lower' });

    expect(first.body.account_id).toBe(id);
    expect(second.status).toBe(409);
  });

  it.each(invalidCredentials)('refuses invalid %s credentials without echoing them (case %#)', async (provider, credentials, field) => {
    const response = await link({ provider, account_id: live[provider].account_id, name: 'invalid', adapter: 'live', credentials });

    expect(response.status).toBe(400);
    expect(response.body.message).toContain(field);
    for (const marker of SECRET_MARKERS) expect(JSON.stringify(response.body)).not.toContain(marker);
  });

  // Nothing but the audit trail's record of the refused request (api.request_recorded).
  it('answers 409 for an account linked already, and writes nothing', async () => {
    const first = await link({ provider: 'GCP', account_id: 'stratus-dup-1', name: 'Original' });
    const outboxBefore = await database.owner.selectFrom('event_outbox_events').select((eb) => eb.fn.countAll<string>().as('count')).where('type', '!=', 'api.request_recorded').executeTakeFirstOrThrow();

    const second = await link({ provider: 'GCP', account_id: 'stratus-dup-1', name: 'Copy' });

    expect(second).toEqual({
      status: 409,
      body: {
        error: 'conflict',
        message: `GCP account stratus-dup-1 is already linked to this organisation as "Original" (cloud account ${first.body.id})`,
        details: { cloud_account_id: first.body.id },
      },
    });
    const outboxAfter = await database.owner.selectFrom('event_outbox_events').select((eb) => eb.fn.countAll<string>().as('count')).where('type', '!=', 'api.request_recorded').executeTakeFirstOrThrow();
    expect(outboxAfter.count).toBe(outboxBefore.count);
  });

  it('links an unlinked account again in place, keeping its id', async () => {
    const first = await link({ provider: 'AWS', account_id: '333333333333', name: 'Old' });
    await call('DELETE', `/v1/cloud-accounts/${first.body.id}`);

    const again = await link({ provider: 'AWS', account_id: '333333333333', name: 'New', adapter: 'live', credentials: live.AWS.credentials });

    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: first.body.id, name: 'New', status: 'connected', adapter: 'live', has_credentials: true });
    expect(await outbox('cloud_account.linked', first.body.id)).toHaveLength(2);
  });
});

describe('updating and unlinking', () => {
  let id: string;
  let next = 0;
  beforeEach(async () => {
    const linked = await link({ provider: 'AWS', account_id: String(600_000_000_000 + next++), name: 'Target' });
    id = linked.body.id;
  });

  it('pauses and resumes discovery', async () => {
    expect((await call('PATCH', `/v1/cloud-accounts/${id}`, { body: { status: 'disabled' } })).body.status).toBe('disabled');
    expect((await call('PATCH', `/v1/cloud-accounts/${id}`, { body: { status: 'connected' } })).body.status).toBe('connected');
  });

  it('refuses an empty update, credentials for a simulated account and any update of an unlinked account', async () => {
    expect((await call('PATCH', `/v1/cloud-accounts/${id}`, { body: {} })).status).toBe(400);
    expect((await call('PATCH', `/v1/cloud-accounts/${id}`, { body: { credentials: live.AWS.credentials } })).status).toBe(400);
    await call('DELETE', `/v1/cloud-accounts/${id}`);
    expect((await call('PATCH', `/v1/cloud-accounts/${id}`, { body: { name: 'x' } })).status).toBe(409);
  });

  it('unlinks once: a second DELETE succeeds without a second event', async () => {
    expect((await call('DELETE', `/v1/cloud-accounts/${id}`)).status).toBe(204);
    expect((await call('DELETE', `/v1/cloud-accounts/${id}`)).status).toBe(204);
    expect(await outbox('cloud_account.unlinked', id)).toHaveLength(1);
    expect((await call('DELETE', `/v1/cloud-accounts/${randomUUID()}`)).status).toBe(404);
  });

  it("hides one organisation's accounts from another", async () => {
    const token = otherOrganization;
    expect((await call('GET', `/v1/cloud-accounts/${id}`, { token })).status).toBe(404);
    expect((await call('PATCH', `/v1/cloud-accounts/${id}`, { token, body: { name: 'stolen' } })).status).toBe(404);
    expect((await call('DELETE', `/v1/cloud-accounts/${id}`, { token })).status).toBe(404);
    expect((await call('GET', '/v1/cloud-accounts', { token })).body).toEqual({ items: [], next_cursor: null });
    expect((await call('GET', `/v1/cloud-accounts/${id}`)).body.status).toBe('connected');
  });

  it('lets a viewer read but not write', async () => {
    const token = viewer;
    expect((await call('GET', `/v1/cloud-accounts/${id}`, { token })).status).toBe(200);
    expect((await link({ provider: 'AWS', account_id: '444444444444', name: 'x' }, token)).status).toBe(403);
    expect((await call('PATCH', `/v1/cloud-accounts/${id}`, { token, body: { name: 'x' } })).status).toBe(403);
    expect((await call('DELETE', `/v1/cloud-accounts/${id}`, { token })).status).toBe(403);
  });
});

describe('listing', () => {
  it('pages newest first and filters by status', async () => {
    const organization = await bootstrapOrganization(database.owner, { organizationName: 'Lister', adminEmail: 'admin@lister.test' });
    const token = organization.token.token;
    const ids: string[] = [];
    for (const account_id of ['555555555501', '555555555502', '555555555503']) {
      ids.push((await link({ provider: 'AWS', account_id, name: account_id }, token)).body.id);
    }
    await call('DELETE', `/v1/cloud-accounts/${ids[0]}`, { token });

    const first = await call('GET', '/v1/cloud-accounts?limit=2', { token });
    const second = await call('GET', `/v1/cloud-accounts?limit=2&cursor=${first.body.next_cursor}`, { token });
    const connected = await call('GET', '/v1/cloud-accounts?status=connected', { token });

    expect([...first.body.items, ...second.body.items].map((item: { id: string }) => item.id)).toEqual([...ids].reverse());
    expect(second.body.next_cursor).toBeNull();
    expect(connected.body.items.map((item: { id: string }) => item.id)).toEqual([ids[2], ids[1]]);
  });
});

it('documents every route in the OpenAPI document', async () => {
  const response = await ingestion.app.inject({ method: 'GET', url: '/docs/json' });
  const paths = (response.json() as { paths: Record<string, Record<string, { summary?: string }>> }).paths;

  expect(Object.keys(paths['/v1/cloud-accounts'] ?? {}).sort()).toEqual(['get', 'post']);
  expect(Object.keys(paths['/v1/cloud-accounts/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
  expect(JSON.stringify(paths['/v1/cloud-accounts']?.post)).toContain('secret_access_key');
});

describe('secrets', () => {
  it('appear in no response and no log line (level trace) of links, updates and refused requests', async () => {
    logLines.length = 0;
    const seen: string[] = [];
    const record = async (response: Promise<{ status: number; body: unknown }>) => {
      const { status, body } = await response;
      seen.push(JSON.stringify(body));
      return { status, body: body as { id: string } };
    };
    const statuses: number[] = [];
    for (const provider of providers) {
      const { credentials, replacement } = live[provider];
      const accountId = { AWS: '777777777777', AZURE: randomUUID(), GCP: 'stratus-secrets-7' }[provider];
      const linked = await record(link({ provider, account_id: accountId, name: 'Secrets', adapter: 'live', credentials }));
      const updated = await record(call('PATCH', `/v1/cloud-accounts/${linked.body.id}`, { body: { credentials: replacement } }));
      const duplicate = await record(link({ provider, account_id: accountId, name: 'Again', adapter: 'live', credentials }));
      const [, invalid] = invalidCredentials.find(([of]) => of === provider)!;
      const broken = await record(link({ provider, account_id: accountId, name: 'Broken', adapter: 'live', credentials: invalid }));
      const sim = await record(link({ provider, account_id: accountId, name: 'Sim', adapter: 'sim', credentials }));
      statuses.push(linked.status, updated.status, duplicate.status, broken.status, sim.status);
    }

    expect(statuses).toEqual(providers.flatMap(() => [201, 200, 409, 400, 400]));
    expect(logLines.filter((line) => line.includes('"msg":"incoming request"'))).toHaveLength(providers.length * 5);
    const everything = [...logLines, ...seen].join('\n');
    for (const marker of SECRET_MARKERS) expect(everything).not.toContain(marker);
    expect(everything).not.toContain(live.AWS.credentials.access_key_id);
  });
});
