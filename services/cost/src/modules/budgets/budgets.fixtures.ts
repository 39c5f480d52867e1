/**
 * What the budget tests share: the cost service's real app, and spend written straight into the
 * daily rollups (as the cost.ingested consumer leaves them) by the database owner.
 */
import { sql } from 'kysely';
import type { CloudProvider } from '@stratus/db';
import type { EventEnvelope } from '@stratus/events';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';

export type CostApp = TestApp<typeof env>;

export function startCostApp(): Promise<CostApp> {
  return startTestApp(service);
}

export async function linkAccount(
  app: CostApp,
  organizationId: string,
  account: { provider?: CloudProvider; account_id?: string } = {},
): Promise<string> {
  const { id } = await app.database.owner
    .insertInto('cloud_accounts')
    .values({
      organization_id: organizationId,
      name: 'Production',
      provider: account.provider ?? 'AWS',
      account_id: account.account_id ?? '123456789012',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export interface Spend {
  organization_id: string;
  cloud_account_id: string;
  day: string;
  amount: string | number;
  provider?: CloudProvider;
  service?: string;
  region?: string;
  currency?: string;
  /** Written to the tag rollups instead. */
  tag?: [key: string, value: string];
}

/** Adds spend to one day's rollup row, as an applied import would. */
export async function addSpend(app: CostApp, spend: Spend): Promise<void> {
  const { organization_id, cloud_account_id, day, amount, provider = 'AWS', service = 'AmazonEC2', region = 'eu-west-1', currency = 'USD' } =
    spend;
  if (spend.tag) {
    const [tagKey, tagValue] = spend.tag;
    await sql`
      insert into cost_tag_rollups as r (organization_id, granularity, period_start, tag_key, tag_value, cloud_account_id,
                                         provider, service, currency, amount, lines)
      values (${organization_id}, 'day', ${day}, ${tagKey}, ${tagValue}, ${cloud_account_id}, ${provider}, ${service},
              ${currency}, ${amount}, 1)
      on conflict (organization_id, granularity, period_start, tag_key, tag_value, cloud_account_id, service, currency)
      do update set amount = r.amount + excluded.amount, lines = r.lines + 1
    `.execute(app.database.owner);
    return;
  }
  await sql`
    insert into cost_rollups as r (organization_id, granularity, period_start, cloud_account_id, provider, service, region,
                                   currency, amount, lines)
    values (${organization_id}, 'day', ${day}, ${cloud_account_id}, ${provider}, ${service}, ${region}, ${currency}, ${amount}, 1)
    on conflict (organization_id, granularity, period_start, cloud_account_id, service, region, currency)
    do update set amount = r.amount + excluded.amount, lines = r.lines + 1
  `.execute(app.database.owner);
}

/** The budget.threshold_crossed events of a budget in the outbox, in publication order. */
export async function thresholdEvents(app: CostApp, budgetId: string): Promise<EventEnvelope<'budget.threshold_crossed'>[]> {
  const rows = await app.database.owner
    .selectFrom('event_outbox_events')
    .select(['producer', 'envelope'])
    .where('type', '=', 'budget.threshold_crossed')
    .where(sql<boolean>`envelope -> 'data' ->> 'budget_id' = ${budgetId}`)
    .orderBy('seq')
    .execute();
  for (const row of rows) if (row.producer !== 'cost') throw new Error(`published by ${row.producer}, not cost`);
  return rows.map((row) => row.envelope as unknown as EventEnvelope<'budget.threshold_crossed'>);
}
