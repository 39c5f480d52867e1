import { z } from 'zod';
import { REALIZED_SAVINGS_STATUSES, rowSchema, type RealizedSavingsTable } from '@stratus/db';
import type { Selectable } from 'kysely';
import { BASELINE_DAYS, MEASURED_DAYS, MIN_MEASURED_DAYS } from './realized-savings.service.ts';

// Year 0000 does not exist for PostgreSQL's dates: refused here, not by the database.
const month = z.string().regex(/^(000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM, from year 0001');

export const realizedQuery = z.object({
  cloud_account_id: z.uuid().optional(),
  from: month.optional().describe('first month, YYYY-MM'),
  to: month.optional().describe('last month, YYYY-MM'),
});

export const realizedMonthsSchema = z.object({
  items: z.array(
    z.object({
      cloud_account_id: z.uuid(),
      month: z.string().describe('YYYY-MM'),
      currency: z.string(),
      realized_savings: z.string().describe("the month's measured days: baseline minus each day's cost, summed"),
      measured_days: z.number().int().describe('days of resources measured in the month (one resource for one day is one)'),
      recommendations: z.number().int(),
    }),
  ),
});

/** A recommendation's realized savings, beside its estimate, with the windows measured. */
export const realizedSchema = rowSchema('realized_savings', {
  status: z.enum(REALIZED_SAVINGS_STATUSES).describe(`measuring until ${MIN_MEASURED_DAYS} days after the action are imported; no_baseline when nothing was imported in the ${BASELINE_DAYS} days before it`),
  acted_at: z.date(),
  currency: z.string().nullable(),
  baseline_start: z.string().nullable(),
  baseline_end: z.string().nullable(),
  baseline_days: z.number().int(),
  baseline_daily: z.string().nullable(),
  after_days: z.number().int().describe(`imported days after the action, at most ${MEASURED_DAYS}`),
  after_daily: z.string().nullable(),
  realized_savings: z.string().nullable().describe('monthly rate, comparable to estimated_savings'),
  measured_through: z.string().nullable(),
});

type RealizedRow = Selectable<RealizedSavingsTable>;

export function toRealized(row: RealizedRow): z.infer<typeof realizedSchema> {
  const { recommendation_id: _recommendation, organization_id: _organization, cloud_account_id: _account, resource_id: _resource, created_at: _created, updated_at: _updated, ...shown } = row;
  return shown;
}
