/**
 * Team access through every route: a person who is not an organisation admin, a member of a team
 * granted one cloud account, calls every operation of every service's OpenAPI document with the ids
 * of another team's account (in each path parameter, in each query parameter that names an
 * account, resource, recommendation or action, and in such fields of each body), and with none.
 * No answer shows that account's rows, and none changes them; an organisation admin's token, sent
 * the same requests, does see them, so the sweep reaches the data it looks for.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '@stratus/auth';
import type { ServiceDefinition } from '@stratus/runtime';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { operationsOf, payloadOf, samplesOf, type FuzzRequest, type OpenApiDocument, type Operation } from '@stratus/testing/api-fuzz';
import { service as actionExecutor } from '../../services/action-executor/src/app.ts';
import { service as audit } from '../../services/audit/src/app.ts';
import { service as cost } from '../../services/cost/src/app.ts';
import { service as ingestion } from '../../services/ingestion/src/app.ts';
import { service as recommendation } from '../../services/recommendation/src/app.ts';

const services: Array<[string, ServiceDefinition<any>]> = [
  ['ingestion', ingestion],
  ['cost', cost],
  ['audit', audit],
  ['recommendation', recommendation],
  ['action-executor', actionExecutor],
];

interface Account {
  accountId: string;
  resourceId: string;
  recommendationId: string;
  actionId: string;
  stateId: string;
  teamId: string;
  /** Strings only this account's rows hold: an answer holding one shows its data. */
  marks: string[];
}

/** One cloud account with a resource, a day of cost, a recommendation and an action, granted to a new team. */
async function seedAccount(app: TestApp<any>, label: string, providerAccount: string): Promise<Account> {
  const owner = app.database.owner;
  const organization_id = app.organizationId;
  const account = await owner
    .insertInto('cloud_accounts')
    .values({ organization_id, name: `${label} account`, provider: 'AWS', account_id: providerAccount })
    .returning('id')
    .executeTakeFirstOrThrow();
  const instance = `i-${label}-${randomBytes(4).toString('hex')}`;
  const resource = await owner
    .insertInto('resources')
    .values({ organization_id, cloud_account_id: account.id, provider: 'AWS', provider_resource_id: instance, name: `${label}-web`, type: 'EC2', state: 'running', tags: JSON.stringify({ env: 'prod' }) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const day = new Date();
  await owner
    .insertInto('cost_data')
    .values({ organization_id, cloud_account_id: account.id, resource_id: resource.id, provider: 'AWS', service: 'AmazonEC2', timestamp: day, amount: '10', currency: 'USD', granularity: 'daily' })
    .execute();
  const rollup = { organization_id, cloud_account_id: account.id, provider: 'AWS' as const, service: 'AmazonEC2', region: '', currency: 'USD', amount: '10', lines: 1 };
  await owner
    .insertInto('cost_rollups')
    .values([
      { ...rollup, granularity: 'day', period_start: day.toISOString().slice(0, 10) },
      { ...rollup, granularity: 'month', period_start: `${day.toISOString().slice(0, 7)}-01` },
    ])
    .execute();
  const found = await owner
    .insertInto('recommendations')
    .values({ organization_id, cloud_account_id: account.id, resource_id: resource.id, subject_id: resource.id, provider: 'AWS', recommendation_type: 'rightsize', title: `Downsize ${label}-web`, estimated_savings: '42' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const action = await owner
    .insertInto('actions')
    .values({ organization_id, action_type: 'stop', resource_id: resource.id, status: 'awaiting_approval' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await owner.insertInto('activity_log').values({ organization_id, type: 'operation', subject: resource.id, summary: `stop ${label}-web`, status: 'completed' }).execute();
  const state = await owner.insertInto('terraform_states').values({ organization_id, name: `${label} state`, cloud_account_id: account.id }).returning('id').executeTakeFirstOrThrow();
  const address = `aws_instance.${label}_web`;
  await owner
    .insertInto('terraform_resources')
    .values({ organization_id, terraform_state_id: state.id, address, module_path: '', type: 'aws_instance', name: `${label}_web`, provider: 'registry.terraform.io/hashicorp/aws', provider_ids: [instance] })
    .execute();
  const team = await owner.insertInto('teams').values({ organization_id, name: `${label} team` }).returning('id').executeTakeFirstOrThrow();
  await owner.insertInto('cloud_account_teams').values({ organization_id, cloud_account_id: account.id, team_id: team.id, access_level: 'admin' }).execute();
  return {
    accountId: account.id,
    resourceId: resource.id,
    recommendationId: found.id,
    actionId: action.id,
    stateId: state.id,
    teamId: team.id,
    marks: [account.id, resource.id, instance, found.id, action.id, state.id, address, providerAccount, `${label} account`, `${label}-web`],
  };
}

/** What the account's rows are now, to show that no request changed them. */
async function snapshot(app: TestApp<any>, account: Account) {
  const owner = app.database.owner;
  return {
    account: await owner.selectFrom('cloud_accounts').selectAll().where('id', '=', account.accountId).execute(),
    resources: await owner.selectFrom('resources').selectAll().where('cloud_account_id', '=', account.accountId).execute(),
    recommendations: await owner.selectFrom('recommendations').selectAll().where('cloud_account_id', '=', account.accountId).execute(),
    actions: await owner.selectFrom('actions').selectAll().where('resource_id', '=', account.resourceId).execute(),
    grants: await owner.selectFrom('cloud_account_teams').selectAll().where('cloud_account_id', '=', account.accountId).execute(),
    credentials: await owner.selectFrom('cloud_credentials').select('id').where('cloud_account_id', '=', account.accountId).execute(),
  };
}

const ID_NAMES = /(^|_)(id|cloud_account_id|account_id|resource_id|recommendation_id|action_id|subject_id|team_id)$/;

/** Parameters that group costs (free text in the schema): grouped by account or resource, an answer names them. */
const GROUPINGS: Record<string, string[]> = { group_by: ['account', 'resource'], by: ['account', 'resource'] };

/** The value of an id-naming slot for the other account; undefined for slots that name nothing of it. */
function idFor(name: string, theirs: Account, fallback: string): string | undefined {
  if (name === 'team_id') return theirs.teamId;
  if (/^(cloud_account_id|account_id|account)$/.test(name)) return theirs.accountId;
  if (/^(resource_id|subject_id|resource)$/.test(name)) return theirs.resourceId;
  if (/recommendation_id/.test(name)) return theirs.recommendationId;
  if (/action_id/.test(name)) return theirs.actionId;
  return ID_NAMES.test(name) ? fallback : undefined;
}

/**
 * Requests to one operation aimed at the other account: each of its ids in the path's generic
 * `id`, the named ids where they fit, query filters and body fields naming them; bodies drawn
 * from the schema (a few draws, so some pass validation).
 */
function aimedAt(operation: Operation, theirs: Account): FuzzRequest[] {
  const targets = [theirs.accountId, theirs.resourceId, theirs.recommendationId, theirs.actionId, theirs.stateId];
  const bodies = operation.body ? samplesOf(operation.body, 4, 18) : [undefined];
  const requests: FuzzRequest[] = [];
  for (const target of targets) {
    const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => idFor(name, theirs, target) ?? target);
    // Required parameters hold a value of their schema; each id-naming one and each value of an
    // enumerated one (group_by=account) is a variant of its own.
    const required = operation.query
      .filter((parameter) => parameter.required && idFor(parameter.name, theirs, target) === undefined)
      .map((parameter) => `${encodeURIComponent(parameter.name)}=${encodeURIComponent(String(samplesOf(parameter.schema ?? {}, 1, 18)[0]))}`);
    const variants = operation.query.flatMap((parameter) => {
      const value = idFor(parameter.name, theirs, target);
      if (value !== undefined) return [`${encodeURIComponent(parameter.name)}=${value}`];
      const values: unknown[] = GROUPINGS[parameter.name] ?? parameter.schema?.enum ?? [];
      return parameter.required ? [] : values.map((each) => `${encodeURIComponent(parameter.name)}=${encodeURIComponent(String(each))}`);
    });
    for (const query of [[], ...variants.map((variant) => [variant])].map((extra) => [...required, ...extra].join('&'))) {
      for (const drawn of bodies) {
        const body =
          drawn && typeof drawn === 'object' && !Array.isArray(drawn)
            ? Object.fromEntries(Object.entries(drawn).map(([key, value]) => [key, idFor(key, theirs, target) ?? value]))
            : drawn;
        requests.push({ method: operation.method, url: query ? `${path}?${query}` : path, ...(body === undefined ? {} : { body }) });
      }
    }
  }
  return requests;
}

describe.each(services)('team access through every route of the %s API', (_name, definition) => {
  let app: TestApp<any>;
  let operations: Operation[];
  let theirs: Account;
  let member: string;

  beforeAll(async () => {
    app = await startTestApp(definition, { overrides: { CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}`, STRATUS_CLOUD: 'sim' } });
    const document = (await app.app.inject({ method: 'GET', url: '/docs/json' })).json() as OpenApiDocument;
    operations = operationsOf(document).filter((operation) => operation.path.startsWith('/v1/'));
    const mine = await seedAccount(app, 'mine', '111111111111');
    theirs = await seedAccount(app, 'theirs', '222222222222');
    const person = await app.database.owner
      .insertInto('users')
      .values({ organization_id: app.organizationId, email: `${randomUUID()}@a.test`, name: 'Member of mine', role: 'operator' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await app.database.owner.insertInto('user_teams').values({ organization_id: app.organizationId, user_id: person.id, team_id: mine.teamId, role: 'member' }).execute();
    member = (await createApiToken(app.database.owner, { organizationId: app.organizationId, userId: person.id, role: 'operator' })).token;
  });

  afterAll(async () => {
    await app?.close();
  });

  async function sweep(token: string): Promise<string[]> {
    const shown: string[] = [];
    for (const operation of operations) {
      for (const request of aimedAt(operation, theirs)) {
        const response = await app.app.inject({
          method: request.method,
          url: request.url,
          headers: { authorization: `Bearer ${token}`, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(request.body === undefined ? {} : { payload: payloadOf(request.body) }),
        });
        expect(response.statusCode, `${request.method} ${request.url}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
        // An answer may echo the id it was sent ("no such action"): only what the request did not name counts.
        const sent = `${request.url} ${request.body === undefined ? '' : payloadOf(request.body)}`;
        const mark = response.statusCode < 300 ? theirs.marks.find((value) => !sent.includes(value) && response.body.includes(value)) : undefined;
        if (mark) shown.push(`${operation.method} ${operation.path} as ${request.method} ${request.url}: ${response.statusCode} shows ${mark}`);
      }
    }
    return shown;
  }

  it("never shows or changes another team's account to a member of one team, whatever the route", async () => {
    expect(operations.length).toBeGreaterThan(0);
    const before = await snapshot(app, theirs);
    const since = new Date();
    expect(await sweep(member)).toEqual([]);
    expect(await snapshot(app, theirs)).toEqual(before);
    // Nothing on its way out either: an action request is an event before it is a row.
    // (The record of each request names the ids it was sent: that is the audit trail, not an effect.)
    const events = await app.database.owner
      .selectFrom('event_outbox_events')
      .select(['type', 'envelope'])
      .where('created_at', '>=', since)
      .where('type', '!=', 'api.request_recorded')
      .execute();
    expect(events.filter((event) => theirs.marks.some((mark) => JSON.stringify(event.envelope).includes(mark)))).toEqual([]);
  });

  it('shows the same account to an organisation admin, so the sweep reaches its data', async () => {
    if (!operations.some((operation) => operation.method === 'GET' && !operation.path.includes('{'))) return;
    expect((await sweep(app.token)).length).toBeGreaterThan(0);
  });
});

describe('the access level of a grant, through the action executor', () => {
  let app: TestApp<any>;
  let mine: Account;
  let member: string;

  beforeAll(async () => {
    app = await startTestApp(actionExecutor, { overrides: { CREDENTIALS_KEYS: `k1:${randomBytes(32).toString('base64')}`, STRATUS_CLOUD: 'sim' } });
    mine = await seedAccount(app, 'mine', '111111111111');
    const person = await app.database.owner
      .insertInto('users')
      .values({ organization_id: app.organizationId, email: `${randomUUID()}@a.test`, name: 'Reader', role: 'operator' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await app.database.owner.insertInto('user_teams').values({ organization_id: app.organizationId, user_id: person.id, team_id: mine.teamId, role: 'member' }).execute();
    member = (await createApiToken(app.database.owner, { organizationId: app.organizationId, userId: person.id, role: 'operator' })).token;
  });

  afterAll(async () => {
    await app?.close();
  });

  const grant = (level: 'read' | 'operate') =>
    app.database.owner.updateTable('cloud_account_teams').set({ access_level: level }).where('team_id', '=', mine.teamId).execute();

  it('lets a read grant see the resource but not act on it (403), and an operate grant act', async () => {
    const stop = { resource_id: mine.resourceId, action_type: 'stop', parameters: {} };
    await grant('read');
    expect((await app.call('GET', `/v1/actions/${mine.actionId}`, { token: member })).status).toBe(200);
    const refused = await app.call('POST', '/v1/actions', { token: member, body: stop });
    expect(refused).toMatchObject({ status: 403, body: { error: 'forbidden', message: expect.stringContaining('needs operate access') } });
    expect((await app.call('POST', '/v1/automation-rules', { token: member, body: { name: 'night stop', match: 'env=prod', action: 'stop', cron: '0 22 * * *' } })).status).toBe(403);
    await grant('operate');
    expect((await app.call('POST', '/v1/actions', { token: member, body: stop })).status).toBe(202);
  });
});
