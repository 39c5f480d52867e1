import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, decodeCursor, pageSchema, toPage } from '@stratus/http';
import type { Queues } from '@stratus/queues';
import { deleteReport, findReport, listReports, listRuns } from './reports.repository.ts';
import { createReportBody, listReportsQuery, reportParams, reportRunSchema, reportSchema, updateReportBody } from './reports.schemas.ts';
import { changeReport, createReport, syncReportSchedule, withNextRuns } from './reports.service.ts';

const tags = ['reports'];

export interface ReportsRoutesOptions {
  queues: Pick<Queues, 'enqueue' | 'schedule' | 'unschedule'>;
}

const notFound = (id: string) => new AppError('not_found', `report ${id} not found`);

const runsNote =
  'Each run writes the CSV and an HTML summary with a chart to the bucket (S3_ENDPOINT) under reports/, expired by a lifecycle ' +
  'rule after REPORT_RETENTION_DAYS, and publishes report.generated, which the audit service sends to the report\'s channels ' +
  'as links signed for REPORT_LINK_EXPIRY_SECONDS.';

export const reportsRoutes: FastifyPluginAsyncZod<ReportsRoutesOptions> = async (app, { queues }) => {
  app.post(
    '/reports',
    {
      config: { permission: 'costs:write' },
      schema: {
        summary: 'Create a scheduled report',
        description: `A report runs on its cron, in its time zone. ${runsNote}`,
        tags,
        body: createReportBody,
        response: { 201: reportSchema },
      },
    },
    async (request, reply) => {
      const report = await request.withTenant((trx) => createReport(trx, { organizationId: request.auth.organizationId, userId: request.auth.userId }, request.body));
      await syncReportSchedule(queues, report);
      return reply.status(201).send(withNextRuns(report));
    },
  );

  app.get(
    '/reports',
    {
      config: { permission: 'costs:read' },
      schema: { summary: "List the organisation's reports, newest first", tags, querystring: listReportsQuery, response: { 200: pageSchema(reportSchema) } },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = toPage(await request.withTenant((trx) => listReports(trx, limit, decodeCursor(cursor))), limit);
      return { ...page, items: page.items.map(withNextRuns) };
    },
  );

  app.get(
    '/reports/:id',
    { config: { permission: 'costs:read' }, schema: { summary: 'One report', tags, params: reportParams, response: { 200: reportSchema } } },
    async (request) => {
      const report = await request.withTenant((trx) => findReport(trx, request.params.id));
      if (!report) throw notFound(request.params.id);
      return withNextRuns(report);
    },
  );

  app.patch(
    '/reports/:id',
    {
      config: { permission: 'costs:write' },
      schema: {
        summary: "Change a report's name, schedule, channels, or whether it runs on its schedule",
        description: 'What it reports stays; make another report to report something else.',
        tags,
        params: reportParams,
        body: updateReportBody,
        response: { 200: reportSchema },
      },
    },
    async (request) => {
      const report = await request.withTenant((trx) => changeReport(trx, request.params.id, request.body));
      await syncReportSchedule(queues, report);
      return withNextRuns(report);
    },
  );

  app.delete(
    '/reports/:id',
    {
      config: { permission: 'costs:write' },
      schema: { summary: 'Delete a report and its runs (its objects expire with the lifecycle rule)', tags, params: reportParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      const deleted = await request.withTenant((trx) => deleteReport(trx, request.params.id));
      if (!deleted) throw notFound(request.params.id);
      await syncReportSchedule(queues, { id: request.params.id, enabled: false });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/reports/:id/runs',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: "A report's runs, newest first, with their outcome",
        tags,
        params: reportParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50).describe('how many runs, 1 to 500') }),
        response: { 200: z.object({ items: z.array(reportRunSchema) }) },
      },
    },
    async (request) => {
      const items = await request.withTenant(async (trx) => {
        if (!(await findReport(trx, request.params.id))) throw notFound(request.params.id);
        return listRuns(trx, request.params.id, request.query.limit);
      });
      return { items };
    },
  );

  app.post(
    '/reports/:id/run',
    {
      config: { permission: 'costs:write' },
      schema: {
        summary: 'Run a report now',
        description: `Queued at once, whether the report is enabled or not; GET /v1/reports/{id}/runs shows its outcome. ${runsNote}`,
        tags,
        params: reportParams,
        response: { 202: z.object({ job_id: z.string() }) },
      },
    },
    async (request, reply) => {
      const report = await request.withTenant((trx) => findReport(trx, request.params.id));
      if (!report) throw notFound(request.params.id);
      const jobId = `report-run-${randomUUID()}`;
      await queues.enqueue('report.run', { report_id: report.id, organization_id: report.organization_id, trigger: 'manual' }, { jobId });
      return reply.status(202).send({ job_id: jobId });
    },
  );
};
