import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { pageSchema } from '@stratus/http';
import type { Queues } from '@stratus/queues';
import type { Trx } from './recommendations.repository.ts';
import type { RecommendationRow } from './recommendation-events.ts';
import { etagOf, applyRecommendation, dismissRecommendation, reopenRecommendation, snoozeRecommendation } from './transitions.service.ts';
import { toRealized } from '../realized-savings/realized-savings.schemas.ts';
import { exportRecommendations, getRecommendation, listRecommendations, managingAddresses, summarize } from './recommendations.queries.ts';
import {
  applyBody,
  detailSchema,
  dismissBody,
  filtersQuery,
  listQuery,
  recommendationParams,
  recommendationSchema,
  reopenBody,
  snoozeBody,
  summarySchema,
  toRecommendation,
} from './recommendations.schemas.ts';

const tags = ['recommendations'];
/** Rows of one CSV export; narrow the filters for more. */
export const EXPORT_CAP = 100_000;
const CSV_COLUMNS = ['id', 'status', 'priority', 'recommendation_type', 'provider', 'cloud_account_id', 'resource_id', 'title', 'estimated_savings', 'currency', 'savings_basis', 'effort', 'restart_needed', 'reversible', 'created_at', 'expires_at', 'terraform_address'] as const;

/** A recommendation as the API shows it, with the Terraform address of its resource. */
async function shown(trx: Trx, pending: Promise<RecommendationRow>) {
  const row = await pending;
  return toRecommendation(row, await managingAddresses(trx, [row]));
}

const transitionNote = 'Send the etag you last read: if the recommendation changed since, the answer is 409 with the current etag.';

export const recommendationsRoutes: FastifyPluginAsyncZod<{ queues: Pick<Queues, 'enqueue'> }> = async (app, options) => {
  app.get(
    '/recommendations',
    {
      config: { permission: 'recommendations:read' },
      schema: { summary: 'Savings recommendations, largest monthly savings first', tags, querystring: listQuery, response: { 200: pageSchema(recommendationSchema) } },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const { page, addresses } = await request.withTenant(async (trx) => {
        const page = await listRecommendations(trx, filters, { limit, ...(cursor === undefined ? {} : { cursor }) });
        return { page, addresses: await managingAddresses(trx, page.items) };
      });
      return { items: page.items.map((row) => toRecommendation(row, addresses)), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/recommendations/summary',
    {
      config: { permission: 'recommendations:read' },
      schema: { summary: 'Open monthly savings per type, account and provider', tags, response: { 200: summarySchema } },
    },
    async (request) => request.withTenant((trx) => summarize(trx)),
  );

  app.get(
    '/recommendations/export',
    {
      config: { permission: 'recommendations:read' },
      schema: {
        summary: 'The recommendations as a CSV file',
        description: `The list's filters and order, every row at once (at most ${EXPORT_CAP}), with a header row.`,
        tags,
        querystring: filtersQuery,
        produces: ['text/csv'],
        response: { 200: z.string().describe('text/csv') },
      },
    },
    async (request, reply) => {
      const { rows, addresses } = await request.withTenant(async (trx) => {
        const rows = await exportRecommendations(trx, request.query, EXPORT_CAP);
        return { rows, addresses: await managingAddresses(trx, rows) };
      });
      const records = rows.map((row) => toRecommendation(row, addresses)).map((item) => CSV_COLUMNS.map((column) => item[column]));
      const csv = stringify(records, { header: true, columns: [...CSV_COLUMNS], cast: { date: (value) => value.toISOString(), boolean: (value) => String(value) } });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="recommendations.csv"').send(csv);
    },
  );

  app.post(
    '/recommendations/evaluations',
    {
      config: { permission: 'recommendations:write' },
      schema: {
        summary: 'Re-evaluate every rule over the whole organisation now',
        description: 'Queues the evaluation the daily job runs; the recommendations change as it goes.',
        tags,
        response: { 202: z.object({ job_id: z.string() }) },
      },
    },
    async (request, reply) => {
      const job = await options.queues.enqueue('recommendations.evaluate', { organization_id: request.auth.organizationId, trigger: 'manual' });
      return reply.status(202).send({ job_id: String(job.id) });
    },
  );

  app.get(
    '/recommendations/:id',
    {
      config: { permission: 'recommendations:read' },
      schema: { summary: 'One recommendation with its evidence and history', tags, params: recommendationParams, response: { 200: detailSchema } },
    },
    async (request, reply) => {
      const { row, history, realized, addresses } = await request.withTenant(async (trx) => {
        const found = await getRecommendation(trx, request.params.id);
        return { ...found, addresses: await managingAddresses(trx, [found.row]) };
      });
      void reply.header('etag', `"${etagOf(row)}"`);
      return {
        ...toRecommendation(row, addresses),
        history: history.map(({ version, ...entry }) => ({ ...entry, etag: String(version) })),
        realized: realized === undefined ? null : toRealized(realized),
      };
    },
  );

  app.post(
    '/recommendations/:id/apply',
    {
      config: { permission: 'recommendations:write' },
      schema: {
        summary: 'Apply: claim the recommendation and request its action',
        description: `action.requested is published with the claim, for the action executor; parameters override the action's own (e.g. {"size": "m5.large"} to scale a VM). ${transitionNote}`,
        tags,
        params: recommendationParams,
        body: applyBody,
        response: { 202: z.object({ recommendation: recommendationSchema, action_id: z.uuid() }) },
      },
    },
    async (request, reply) => {
      const { recommendation, action_id } = await request.withTenant(async (trx) => {
        const applied = await applyRecommendation(trx, request.params.id, request.body, { userId: request.auth.userId });
        return { action_id: applied.action_id, recommendation: toRecommendation(applied.recommendation, await managingAddresses(trx, [applied.recommendation])) };
      });
      return reply.status(202).send({ recommendation, action_id });
    },
  );

  app.post(
    '/recommendations/:id/dismiss',
    {
      config: { permission: 'recommendations:write' },
      schema: { summary: 'Dismiss, with a reason code and a note', description: transitionNote, tags, params: recommendationParams, body: dismissBody, response: { 200: recommendationSchema } },
    },
    async (request) => request.withTenant((trx) => shown(trx, dismissRecommendation(trx, request.params.id, request.body, { userId: request.auth.userId }))),
  );

  app.post(
    '/recommendations/:id/snooze',
    {
      config: { permission: 'recommendations:write' },
      schema: { summary: 'Snooze until a date, when it reopens', description: transitionNote, tags, params: recommendationParams, body: snoozeBody, response: { 200: recommendationSchema } },
    },
    async (request) => request.withTenant((trx) => shown(trx, snoozeRecommendation(trx, request.params.id, request.body, { userId: request.auth.userId }, new Date()))),
  );

  app.post(
    '/recommendations/:id/reopen',
    {
      config: { permission: 'recommendations:write' },
      schema: { summary: 'Reopen a dismissed, snoozed or failed recommendation', description: transitionNote, tags, params: recommendationParams, body: reopenBody, response: { 200: recommendationSchema } },
    },
    async (request) => request.withTenant((trx) => shown(trx, reopenRecommendation(trx, request.params.id, request.body, { userId: request.auth.userId }))),
  );
};
