import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { realizedMonthsSchema, realizedQuery } from './realized-savings.schemas.ts';

export const realizedSavingsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/realized-savings',
    {
      config: { permission: 'recommendations:read' },
      schema: {
        summary: 'What applied recommendations really saved, per account and month',
        description:
          "Measured from the cost imports after each action: each imported day saves the resource's mean daily cost before the action minus its cost that day. Amounts in two currencies are never added.",
        tags: ['recommendations'],
        querystring: realizedQuery,
        response: { 200: realizedMonthsSchema },
      },
    },
    async (request) => {
      const { cloud_account_id, from, to } = request.query;
      const rows = await request.withTenant((trx) =>
        trx
          .selectFrom('realized_savings_days')
          .select([
            'cloud_account_id',
            sql<string>`to_char(day, 'YYYY-MM')`.as('month'),
            'currency',
            sql<string>`round(sum(savings), 2)::text`.as('realized_savings'),
            sql<number>`count(*)::int`.as('measured_days'),
            sql<number>`count(distinct recommendation_id)::int`.as('recommendations'),
          ])
          .$if(cloud_account_id !== undefined, (q) => q.where('cloud_account_id', '=', cloud_account_id!))
          .$if(from !== undefined, (q) => q.where('day', '>=', `${from}-01`))
          .$if(to !== undefined, (q) => q.where(sql<boolean>`day < (${`${to}-01`}::date + interval '1 month')`))
          .groupBy(['cloud_account_id', sql`to_char(day, 'YYYY-MM')`, 'currency'])
          .orderBy(sql`to_char(day, 'YYYY-MM')`)
          .orderBy('cloud_account_id')
          .orderBy('currency')
          .execute(),
      );
      return { items: rows };
    },
  );
};
