/** Reads of the API: the list by savings (keyset-paginated), one recommendation with its history, the summary. */
import { sql, type SelectQueryBuilder } from 'kysely';
import { RECOMMENDATION_PRIORITIES, type Database } from '@stratus/db';
import { AppError } from '@stratus/http';
import { z } from 'zod';
import type { Trx } from './recommendations.repository.ts';
import type { Filters } from './recommendations.schemas.ts';

/** Where the previous page ended: its last row's savings (null sorts last) and id. */
interface SavingsCursor {
  savings: string | null;
  id: string;
}

const cursorSchema = z.tuple([z.string().regex(/^\d+(\.\d+)?$/).nullable(), z.uuid()]);

export function encodeSavingsCursor({ savings, id }: SavingsCursor): string {
  return Buffer.from(JSON.stringify([savings, id])).toString('base64url');
}

export function decodeSavingsCursor(cursor: string | undefined): SavingsCursor | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [savings, id] = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { savings, id };
  } catch {
    throw new AppError('invalid', 'cursor is not a next_cursor this API returned; start again without cursor');
  }
}

function filtered<O>(query: SelectQueryBuilder<Database, 'recommendations', O>, filters: Filters) {
  const [tagKey, ...tagValue] = filters.tag?.split('=') ?? [];
  return query
    .$if(filters.cloud_account_id !== undefined, (q) => q.where('recommendations.cloud_account_id', '=', filters.cloud_account_id!))
    .$if(filters.resource_id !== undefined, (q) => q.where('recommendations.resource_id', '=', filters.resource_id!))
    .$if(filters.provider !== undefined, (q) => q.where('recommendations.provider', '=', filters.provider!))
    .$if(filters.recommendation_type !== undefined, (q) => q.where('recommendation_type', '=', filters.recommendation_type!))
    .$if(filters.status !== undefined, (q) => q.where('status', '=', filters.status!))
    .$if(filters.priority !== undefined, (q) => q.where('priority', '>=', RECOMMENDATION_PRIORITIES[filters.priority!]))
    .$if(filters.min_savings !== undefined, (q) => q.where('estimated_savings', '>=', filters.min_savings!))
    .$if(tagKey !== undefined, (q) =>
      q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('resources')
            .select(sql`1`.as('one'))
            .whereRef('resources.id', '=', 'recommendations.resource_id')
            .where(sql<boolean>`resources.tags @> ${JSON.stringify({ [tagKey!]: tagValue.join('=') })}::jsonb`),
        ),
      ),
    );
}

/** Largest savings first (those without savings last), then by id; `limit + 1` rows tell whether a next page exists. */
export async function listRecommendations(trx: Trx, filters: Filters, page: { limit: number; cursor?: string }) {
  const after = decodeSavingsCursor(page.cursor);
  const rows = await filtered(trx.selectFrom('recommendations').selectAll('recommendations'), filters)
    .$if(after !== undefined, (q) =>
      q.where(
        after!.savings === null
          ? sql<boolean>`(estimated_savings is null and recommendations.id < ${after!.id}::uuid)`
          : sql<boolean>`(estimated_savings < ${after!.savings}::numeric or (estimated_savings = ${after!.savings}::numeric and recommendations.id < ${after!.id}::uuid) or estimated_savings is null)`,
      ),
    )
    .orderBy(sql`estimated_savings desc nulls last`)
    .orderBy('recommendations.id', 'desc')
    .limit(page.limit + 1)
    .execute();
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, next_cursor: rows.length > page.limit && last ? encodeSavingsCursor({ savings: last.estimated_savings, id: last.id }) : null };
}

/** Every match in list order, for the CSV export, at most `cap` rows. */
export function exportRecommendations(trx: Trx, filters: Filters, cap: number) {
  return filtered(trx.selectFrom('recommendations').selectAll('recommendations'), filters)
    .orderBy(sql`estimated_savings desc nulls last`)
    .orderBy('recommendations.id', 'desc')
    .limit(cap)
    .execute();
}

export async function getRecommendation(trx: Trx, id: string) {
  const row = await trx.selectFrom('recommendations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `recommendation ${id} does not exist`);
  const history = await trx
    .selectFrom('recommendation_history')
    .select(['change', 'from_status', 'to_status', 'version', 'user_id', 'details', 'created_at'])
    .where('recommendation_id', '=', id)
    .orderBy('id')
    .execute();
  const realized = await trx.selectFrom('realized_savings').selectAll().where('recommendation_id', '=', id).executeTakeFirst();
  return { row, history, realized };
}

/** Open savings per type, account and provider, per currency (amounts in two currencies are never added). */
export async function summarize(trx: Trx) {
  const group = <K extends 'recommendation_type' | 'cloud_account_id' | 'provider'>(key: K) =>
    trx
      .selectFrom('recommendations')
      .select([key, 'currency'])
      .select((eb) => [eb.fn.countAll<string>().as('count'), sql<string>`sum(estimated_savings)::numeric(20, 2)::text`.as('estimated_savings')])
      .where('status', '=', 'open')
      .where('estimated_savings', 'is not', null)
      .groupBy([key, 'currency'])
      .orderBy(sql`sum(estimated_savings)`, 'desc')
      .execute();
  const [byType, byAccount, byProvider] = await Promise.all([group('recommendation_type'), group('cloud_account_id'), group('provider')]);
  const shaped = <T extends { count: string; currency: string | null; estimated_savings: string }>(rows: T[]) =>
    rows.map((row) => ({ ...row, count: Number(row.count), currency: row.currency ?? '' }));
  return { by_type: shaped(byType), by_account: shaped(byAccount), by_provider: shaped(byProvider) };
}
