import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Database } from '@stratus/db';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import { compileMatch, countMatches, evaluateMatch, formatMatch, matchResources, parseMatch, type MatchExpression } from './index.ts';
import { ACCOUNTS, matchExpression, randomResource, type RandomResource } from './test-support.ts';

describe('compileMatch against PostgreSQL', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let organizationId: string;
  let otherOrganizationId: string;
  let accounts: { id: string; account_id: string; name: string }[];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb({ url: database.url, max: 2 });
    const [organization, other] = await database.owner.insertInto('organizations').values([{ name: 'match' }, { name: 'other' }]).returning('id').execute();
    organizationId = organization!.id;
    otherOrganizationId = other!.id;
    accounts = await database.owner
      .insertInto('cloud_accounts')
      .values(ACCOUNTS.map((account) => ({ organization_id: organizationId, provider: 'AWS' as const, ...account })))
      .returning(['id', 'account_id', 'name'])
      .execute();
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  /** Replaces the organisation's resources with these; returns them as evaluateMatch reads them, by id. */
  async function store(resources: RandomResource[]) {
    await database.owner.deleteFrom('resources').execute();
    if (resources.length === 0) return new Map();
    const ids = await database.owner
      .insertInto('resources')
      .values(
        resources.map(({ account, ...resource }, index) => ({
          ...resource,
          organization_id: organizationId,
          cloud_account_id: accounts[account]!.id,
          provider_resource_id: `r-${index}`,
          tags: JSON.stringify(resource.tags),
        })),
      )
      .returning('id')
      .execute();
    return new Map(ids.map(({ id }, index) => [id, { ...resources[index]!, account: accounts[resources[index]!.account]! }]));
  }

  async function matchedIds(tree: MatchExpression): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await matchResources(db, organizationId, tree, { limit: 7, after });
      ids.push(...page.resources.map((resource) => resource.id));
      after = page.next ?? undefined;
    } while (after !== undefined);
    return ids;
  }

  it('selects exactly the rows the in-memory evaluation accepts, for random trees over random rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(randomResource, { maxLength: 40 }), fc.array(matchExpression, { minLength: 1, maxLength: 25 }), async (resources, trees) => {
        const rows = await store(resources);
        for (const tree of trees) {
          const expected = [...rows].filter(([, row]) => evaluateMatch(tree, row)).map(([id]) => id).sort();
          expect(await matchedIds(tree), formatMatch(tree)).toEqual(expected);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('matches an account by its id, cloud id or name, and never another organisation’s resources', async () => {
    const rows = await store([
      { name: 'web-1', type: 'vm', provider: 'AWS', region: 'eu-west-1', zone: null, state: 'running', tags: { env: 'dev' }, cost_monthly: '150.000000', cost_daily: '5.000000', account: 0 },
      { name: 'web-2', type: 'vm', provider: 'AWS', region: 'us-east-1', zone: null, state: 'running', tags: { env: 'dev', keep: '' }, cost_monthly: '20.000000', cost_daily: '1.000000', account: 1 },
    ]);
    const [first, second] = [...rows.keys()];
    const foreignAccount = await database.owner
      .insertInto('cloud_accounts')
      .values({ organization_id: otherOrganizationId, provider: 'AWS', account_id: '111111111111', name: 'dev' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await database.owner
      .insertInto('resources')
      .values({ organization_id: otherOrganizationId, cloud_account_id: foreignAccount.id, provider: 'AWS', provider_resource_id: 'x', type: 'vm', tags: JSON.stringify({ env: 'dev' }) })
      .execute();

    expect(await matchedIds(parseMatch(`account=${accounts[0]!.id}`))).toEqual([first]);
    expect(await matchedIds(parseMatch('account=111111111111 OR account="a b"')).then((ids) => ids.sort())).toEqual([first, second].sort());
    expect(await matchedIds(parseMatch('env=dev AND type=vm AND NOT tag:keep'))).toEqual([first]);
    expect(await matchedIds(parseMatch('cost_monthly > 100 AND region=eu-*'))).toEqual([first]);
    expect(await countMatches(db, organizationId, parseMatch('env=dev'))).toBe(2);
  });

  it('sends every value as a parameter and escapes LIKE patterns', () => {
    const compiled = db
      .selectFrom('resources')
      .select('id')
      .where(compileMatch(parseMatch(`name="x'; drop table resources; --" OR tag:"a b"="50%_*" OR NOT provider IN (aws, G*)`)))
      .compile();
    expect(compiled.sql).toMatchInlineSnapshot(`"select "id" from "resources" where (("resources"."name" = $1 or "resources"."tags" ->> $2 like $3) or not coalesce(("resources"."provider" in ($4) or cast("resources"."provider" as text) like $5), false))"`);
    expect(compiled.parameters).toEqual(["x'; drop table resources; --", 'a b', '50\\%\\_%', 'AWS', 'G%']);
  });

  it('runs under row-level security as the executor role', async () => {
    const count = await db.transaction().execute(async (trx) => {
      await sql`set local role stratus_action_executor`.execute(trx);
      return countMatches(trx, organizationId, parseMatch('type=vm OR account=dev'));
    });
    expect(count).toBe(await countMatches(db, organizationId, parseMatch('type=vm OR account=dev')));
    expect(count).toBeGreaterThan(0);
  });
});
