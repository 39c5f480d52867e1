import type { Kysely } from 'kysely';
import { withTenant, type CloudProvider, type Database } from '@stratus/db';
import type { MatchExpression } from './ast.ts';
import { compileMatch } from './compile.ts';

export interface MatchPage {
  /** Ordered by id: a stable keyset that a concurrent insert cannot shift. */
  resources: MatchedResource[];
  /** The id to pass as `after` for the next page; null on the last one. */
  next: string | null;
}

export interface MatchedResource {
  id: string;
  cloud_account_id: string;
  provider: CloudProvider;
  name: string | null;
  type: string;
  region: string | null;
  state: string | null;
  cost_monthly: string;
}

/**
 * The organisation's resources that match, a page at a time. Scoped twice: row-level security
 * (withTenant) and an explicit organization_id condition, which lets the planner start from the
 * (organization_id, ...) indexes.
 */
export async function matchResources(
  db: Kysely<Database>,
  organizationId: string,
  expression: MatchExpression,
  options: { limit: number; after?: string | undefined },
): Promise<MatchPage> {
  const rows = await withTenant(db, organizationId, (trx) =>
    trx
      .selectFrom('resources')
      .select(['id', 'cloud_account_id', 'provider', 'name', 'type', 'region', 'state', 'cost_monthly'])
      .where('organization_id', '=', organizationId)
      .where(compileMatch(expression))
      .$if(options.after !== undefined, (q) => q.where('id', '>', options.after!))
      .orderBy('id')
      .limit(options.limit + 1)
      .execute(),
  );
  const more = rows.length > options.limit;
  const resources = more ? rows.slice(0, options.limit) : rows;
  return { resources, next: more ? resources.at(-1)!.id : null };
}

/** How many of the organisation's resources match. */
export async function countMatches(db: Kysely<Database>, organizationId: string, expression: MatchExpression): Promise<number> {
  const row = await withTenant(db, organizationId, (trx) =>
    trx
      .selectFrom('resources')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('organization_id', '=', organizationId)
      .where(compileMatch(expression))
      .executeTakeFirstOrThrow(),
  );
  return Number(row.count);
}
