import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';

const aggregatesSchema = z.object({
  daily: z.number().describe('this month so far / 30'),
  monthly: z.number().describe('this month so far'),
  delta_pct: z.number().nullable().describe('change against the previous month, in percent'),
});

const breakdownRow = z.object({
  provider: z.enum(['AWS', 'AZURE', 'GCP']),
  account_id: z.string(),
  account_name: z.string().nullable(),
  service: z.string(),
  month: z.string().describe('YYYY-MM-01'),
  amount: z.string(),
  currency: z.string(),
});

export const costsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/costs/aggregates',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: "The organisation's spend this month, per day, and against last month",
        tags: ['costs'],
        response: { 200: aggregatesSchema },
      },
    },
    async (request) => {
      const row = await request.withTenant((trx) =>
        sql<{ aggregates: z.infer<typeof aggregatesSchema> }>`select costs_aggregates() as aggregates`.execute(trx),
      );
      return row.rows[0]!.aggregates;
    },
  );

  app.get(
    '/costs/breakdown',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: 'Monthly spend per provider, account and service',
        tags: ['costs'],
        querystring: z.object({
          month: z
            .string()
            .regex(/^\d{4}-\d{2}$/, 'month must be YYYY-MM')
            .optional()
            .describe('defaults to the current month'),
          provider: z.enum(['AWS', 'AZURE', 'GCP']).optional(),
        }),
        response: { 200: z.object({ items: z.array(breakdownRow) }) },
      },
    },
    async (request) => {
      const { month, provider } = request.query;
      const items = await request.withTenant((trx) =>
        trx
          .selectFrom('costs_breakdown')
          .select(['provider', 'account_id', 'account_name', 'service', 'amount', 'currency'])
          .select(sql<string>`to_char(month, 'YYYY-MM-DD')`.as('month'))
          .where('month', '=', month ? sql<string>`${`${month}-01`}::date` : sql<string>`date_trunc('month', now())::date`)
          .$if(provider !== undefined, (q) => q.where('provider', '=', provider!))
          .orderBy('amount', 'desc')
          .execute(),
      );
      return { items };
    },
  );
};
