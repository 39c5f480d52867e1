/**
 * The compiled SQL of the cost reads, so a change to what the API runs shows in review; whether
 * the SQL answers right is costs.routes.test.ts's concern.
 */
import { describe, expect, it } from 'vitest';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { Database } from '@stratus/db';
import { AppError } from '@stratus/http';
import { planCostQuery, topGroupBy, type CostQuestion } from './cost-plan.ts';
import { decodeKeyset, encodeKeyset, orderedCostRows, topCostRows } from './costs.queries.ts';

const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new PostgresIntrospector(kysely),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const plan = (question: Partial<CostQuestion>) =>
  planCostQuery(
    { groupBy: ['service'], granularity: 'month', range: { from: '2025-03-01', to: '2025-04-01' }, filters: {}, ...question },
    { rawFrom: '2025-01-01' },
  );

function compiled(query: { compile(executor: Kysely<Database>): { sql: string; parameters: readonly unknown[] } }) {
  const { sql, parameters } = query.compile(db);
  return { sql: sql.replace(/\s+/g, ' ').trim(), parameters };
}

describe('cost queries', () => {
  it("read a month's breakdown by service from the monthly rollups (the benchmarked read)", () => {
    expect(compiled(orderedCostRows(plan({}), { after: undefined, limit: 50 }))).toMatchSnapshot();
  });

  it('read the next page of a tag breakdown by day after its keyset', () => {
    const tagged = plan({ groupBy: ['tag:team', 'account'], granularity: 'day', filters: { tags: { team: 'core' }, provider: 'AWS' } });
    const after = { period: '2025-03-02', amount: '12.500000', currency: 'USD', keys: ['core', '0190b6c8-8f5e-7b1a-9c3d-2e4f5a6b7c8d'] };
    expect(compiled(orderedCostRows(tagged, { after, limit: 10 }))).toMatchSnapshot();
  });

  it('read raw lines, counted ones only, when no rollup holds the dimensions', () => {
    const raw = plan({ groupBy: ['tag:env', 'region', 'resource'], filters: { service: 'AmazonEC2', tags: { team: 'core' } } });
    expect(raw.table).toBe('cost_data');
    expect(compiled(orderedCostRows(raw))).toMatchSnapshot();
  });

  it('rank top resources per currency and name them from the inventory', () => {
    expect(compiled(topCostRows(plan({ groupBy: topGroupBy('resource'), granularity: 'total' }), 10))).toMatchSnapshot();
  });
});

describe('breakdown cursors', () => {
  const row = { period: '2025-03-01', amount: '-3.250000', currency: 'EUR', keys: ['AmazonEC2', ''] };

  it("round-trip a row's sort key", () => {
    expect(decodeKeyset(encodeKeyset(row), 2)).toEqual(row);
    expect(decodeKeyset(undefined, 2)).toBeUndefined();
  });

  it('refuse a cursor they did not issue, or issued for another group_by', () => {
    for (const [cursor, dimensions] of [
      ['not-a-cursor', 1],
      [Buffer.from('["2025-03-01","1; drop","USD",[]]').toString('base64url'), 0],
      [encodeKeyset(row), 1],
      // Well-formed but refused by PostgreSQL: a 400 here, not a 500 from the query.
      [encodeKeyset({ ...row, period: '0000-03-01' }), 2],
      [encodeKeyset({ ...row, period: '2025-13-01' }), 2],
      [encodeKeyset({ ...row, keys: ['Amazon\u0000EC2', ''] }), 2],
    ] as const) {
      expect(() => decodeKeyset(cursor, dimensions)).toThrow(AppError);
      expect(() => decodeKeyset(cursor, dimensions)).toThrow(/start again without cursor/);
    }
  });
});
