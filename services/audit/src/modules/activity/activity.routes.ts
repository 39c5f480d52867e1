import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { rowSchema } from '@stratus/db';
import { decodeCursor, pageQuery, pageSchema, toPage } from '@stratus/http';
import { listActivity } from './activity.repository.ts';

const activitySchema = rowSchema('activity_log', {
  id: z.uuid(),
  actor: z.uuid().nullable().describe('the user who acted, when a user did'),
  type: z.string().describe('the event type (link_account and unlink_account for accounts), e.g. api.request_recorded, action.failed'),
  subject: z.string().nullable(),
  summary: z.string(),
  status: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  created_at: z.date(),
  trace_id: z.string().nullable().describe('the trace of the request that caused it: the `traceresponse` its caller was given'),
});

const filtersQuery = z.object({
  actor: z.uuid().optional().describe('the acting user'),
  type: z.string().optional(),
  resource: z.string().optional().describe("the activity's subject: a resource, cloud account, action or budget id"),
  status: z.string().optional().describe('e.g. completed, or an API call\'s status code: 403'),
  trace_id: z.string().regex(/^[0-9a-f]{32}$/, { error: 'expected 32 lowercase hex digits' }).optional(),
  from: z.coerce.date().optional().describe('at or after this time'),
  to: z.coerce.date().optional().describe('before this time'),
});

/** At most this many rows in one CSV export; narrow the filters (time) for more. */
const EXPORT_CAP = 100_000;
const CSV_COLUMNS = ['created_at', 'id', 'type', 'actor', 'subject', 'status', 'summary', 'trace_id', 'details'] as const;

export const activityRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/activity',
    {
      config: { permission: 'audit_logs:read' },
      schema: {
        summary: "The organisation's activity stream, newest first",
        tags: ['activity'],
        querystring: pageQuery.extend(filtersQuery.shape),
        response: { 200: pageSchema(activitySchema) },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const rows = await request.withTenant((trx) => listActivity(trx, filters, decodeCursor(cursor), limit));
      return toPage(rows, limit);
    },
  );

  app.get(
    '/activity/export',
    {
      config: { permission: 'audit_logs:read' },
      schema: {
        summary: 'The activity stream as a CSV file',
        description: `The list's filters and order, every row at once (at most ${EXPORT_CAP}), with a header row.`,
        tags: ['activity'],
        querystring: filtersQuery,
        produces: ['text/csv'],
        response: { 200: z.string().describe('text/csv') },
      },
    },
    async (request, reply) => {
      const rows = await request.withTenant((trx) => listActivity(trx, request.query, undefined, EXPORT_CAP - 1));
      const records = rows.map((row) => CSV_COLUMNS.map((column) => row[column]));
      const csv = stringify(records, {
        header: true,
        columns: [...CSV_COLUMNS],
        cast: { date: (value) => value.toISOString(), object: (value) => JSON.stringify(value) },
      });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="activity.csv"').send(csv);
    },
  );
};
