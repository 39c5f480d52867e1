/**
 * The inventory list: filtered, sorted and paged on the server. Every sort walks all matching
 * resources exactly once across pages, ties (many resources share a state or a type) included, in
 * the order the sort names; a cursor of another sort is refused.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestionApp, type IngestionApp } from '../../../test/ingestion-app.ts';
import { RESOURCE_SORTS, type ResourceSort } from './resources.repository.ts';

let ingestion: IngestionApp;
const COUNT = 23;
const PAGE = 4;

interface Listed {
  id: string;
  name: string | null;
  provider_resource_id: string;
  type: string;
  region: string | null;
  state: string | null;
  cost_monthly: string;
}

beforeAll(async () => {
  ingestion = await startIngestionApp();
  const account = await ingestion.call('POST', '/v1/cloud-accounts', { body: { provider: 'AWS', account_id: '210987654321', name: 'Sorted' } });
  expect(account.status).toBe(201);
  await sql`
    insert into resources (organization_id, cloud_account_id, provider, provider_resource_id, name, type, region, state, tags, cost_monthly)
    select ${ingestion.organizationId}, ${account.body.id}, 'AWS', 'i-' || lpad(g::text, 4, '0'),
           case when g % 6 = 0 then null else 'web-' || (g % 5) end, (array['vm', 'disk', 'ip'])[1 + g % 3],
           case when g % 4 = 0 then null else (array['us-east-1', 'eu-west-1'])[1 + g % 2] end,
           case when g % 7 = 0 then null else (array['running', 'stopped'])[1 + g % 2] end,
           jsonb_build_object('env', case when g % 2 = 0 then 'prod' else 'dev' end), (g % 5) * 10.5
      from generate_series(1, ${COUNT}) g
  `.execute(ingestion.database.owner);
});

afterAll(async () => {
  await ingestion?.close();
});

async function walk(query: string): Promise<Listed[]> {
  const listed: Listed[] = [];
  let cursor: string | null = null;
  do {
    const { status, body } = await ingestion.call('GET', `/v1/resources?limit=${PAGE}${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(status, JSON.stringify(body)).toBe(200);
    listed.push(...body.items);
    cursor = body.next_cursor;
  } while (cursor);
  return listed;
}

/** The key a sort orders by, as the list shows it: a missing name is the provider id, a missing region or state sorts first. */
function keyOf(sort: ResourceSort, resource: Listed): string | number {
  const field = sort.replace(/^-/, '');
  if (field === 'cost_monthly') return Number(resource.cost_monthly);
  if (field === 'name') return resource.name ?? resource.provider_resource_id;
  return (resource[field as 'type' | 'region' | 'state'] ?? '') as string;
}

describe('GET /v1/resources', () => {
  it.each(RESOURCE_SORTS.filter((sort) => !sort.endsWith('created_at')))('sort=%s walks every resource once, in order, across pages', async (sort) => {
    const listed = await walk(`&sort=${sort}`);
    expect(listed).toHaveLength(COUNT);
    expect(new Set(listed.map((resource) => resource.id)).size).toBe(COUNT);
    const direction = sort.startsWith('-') ? -1 : 1;
    for (let i = 1; i < listed.length; i += 1) {
      const [before, after] = [keyOf(sort, listed[i - 1]!), keyOf(sort, listed[i]!)];
      // ASCII keys: the database's collation and code-point order agree on them.
      expect(before === after || (before < after ? 1 : -1) === direction, `${sort}: ${before} then ${after}`).toBe(true);
    }
  });

  it('lists newest first by default, and filters on the server before paging', async () => {
    expect(await walk('')).toHaveLength(COUNT);
    const stopped = await walk('&state=stopped&sort=cost_monthly&tag=env:dev');
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped.every((resource) => resource.state === 'stopped')).toBe(true);
  });

  it('refuses a cursor of another sort, or a forged one, saying what to do', async () => {
    const first = await ingestion.call('GET', `/v1/resources?limit=${PAGE}&sort=name`);
    const other = await ingestion.call('GET', `/v1/resources?limit=${PAGE}&sort=cost_monthly&cursor=${first.body.next_cursor}`);
    expect(other.status).toBe(400);
    expect(other.body.message).toContain('sort=name');
    const forged = Buffer.from(JSON.stringify(['cost_monthly', 'not a number', '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    const refused = await ingestion.call('GET', `/v1/resources?sort=cost_monthly&cursor=${forged}`);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('start again without cursor');
    expect((await ingestion.call('GET', '/v1/resources?sort=price')).status).toBe(400);
  });
});
