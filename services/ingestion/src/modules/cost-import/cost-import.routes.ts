import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readFocusCsv, readFocusParquet } from '@stratus/cloud';
import { retentionHorizon } from '@stratus/config';
import { COST_IMPORT_SOURCES, COST_IMPORT_STATUSES, newestFirst, rowSchema } from '@stratus/db';
import { AppError, day, decodeCursor, pageQuery, pageSchema, text, toPage } from '@stratus/http';
import type { Queues } from '@stratus/queues';
import type { ServiceDeps } from '@stratus/runtime';
import { importCosts, type CostImportSource } from './cost-import.service.ts';
import { requireAccountFor } from '../cloud-accounts/cloud-accounts.service.ts';

const CSV = 'text/csv';
const PARQUET = 'application/vnd.apache.parquet';

const tally = z.object({ rows: z.number().int(), amount: z.string().describe('BilledCost, exactly as the file sums it') });
const breakdownEntry = z.object({ key: z.string(), kept: tally, refused: tally });
const breakdownSchema = z
  .object({
    by_provider: z.array(breakdownEntry),
    by_sub_account: z.array(breakdownEntry).describe("SubAccountId ('(none)' for rows without one; past 1,000 sub-accounts, '(other)')"),
    by_charge_category: z.array(breakdownEntry),
    refused: z.array(z.object({ reason: z.string(), rows: z.number().int(), amount: z.string(), first_lines: z.array(z.number().int()) })).describe('refused rows grouped by reason, most first'),
  })
  .describe("every row read, kept or refused, with its BilledCost (a refused row's only when readable)");
const refusedRow = z.object({
  line: z.number().int(),
  reason: z.string(),
  provider: z.string().optional(),
  sub_account_id: z.string().optional(),
  charge_category: z.string().optional(),
  billed_cost: z.string().optional(),
});

const costImportSchema = rowSchema('cost_imports', {
  id: z.uuid(),
  cloud_account_id: z.uuid(),
  user_id: z.uuid().nullable(),
  source: z.enum(COST_IMPORT_SOURCES),
  file_name: z.string().nullable(),
  status: z.enum(COST_IMPORT_STATUSES).describe('running, then applying until the cost store applies or refuses it (refused: `error` says why); failed: not imported at all'),
  period_start: z.date().nullable(),
  period_end: z.date().nullable(),
  rows_total: z.number().int(),
  rows_imported: z.number().int(),
  rows_rejected: z.number().int(),
  batches: z.number().int(),
  errors: z.array(refusedRow).describe('the first 1,000 rejected rows'),
  error: z.string().nullable(),
  breakdown: breakdownSchema.nullable(),
  created_at: z.date(),
  completed_at: z.date().nullable().describe('when the file was read and its batches published'),
  settled_at: z.date().nullable().describe('when the cost store applied or refused the import'),
});

const reportSchema = rowSchema('cost_imports', {
  id: z.uuid(),
  status: z.enum(COST_IMPORT_STATUSES).extract(['applying', 'failed']).describe('applying: GET /v1/cost-imports/{id} shows when the cost store applied or refused it'),
  rows_total: z.number().int(),
  rows_imported: z.number().int(),
  rows_rejected: z.number().int(),
  batches: z.number().int(),
  period: z.object({ start: z.string(), end: z.string() }).nullable(),
  errors: z.array(refusedRow),
  error: z.string().nullable(),
  // Always there once the file is read; nullable as the column is (imports older than the report have none).
  breakdown: breakdownSchema.nullable(),
});

export interface CostImportRoutesOptions {
  db: ServiceDeps['db'];
  outbox: ServiceDeps['outbox'];
  queues: Queues;
  logger: ServiceDeps['logger'];
  maxUploadBytes: number;
  /** COST_RAW_RETENTION_MONTHS: costs older than the horizon are refused when an import is requested. */
  retentionMonths: number;
}

/** Fails the upload as soon as it passes the limit, rather than after writing all of it. */
function limitBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > max) callback(new AppError('invalid', `the file is larger than the ${max}-byte upload limit (MAX_UPLOAD_BYTES)`));
      else callback(null, chunk);
    },
  });
}

export const costImportRoutes: FastifyPluginAsyncZod<CostImportRoutesOptions> = async (app, { db, outbox, queues, logger, maxUploadBytes, retentionMonths }) => {
  // The file is streamed, never buffered whole: the handler reads the request body itself.
  app.addContentTypeParser([CSV, PARQUET], (_request, payload, done) => done(null, payload));

  app.post(
    '/cloud-accounts/:id/cost-imports/file',
    {
      config: { permission: 'costs:write' },
      schema: {
        summary: 'Import a FOCUS billing file (CSV or Parquet)',
        description: `Send the file as the body with Content-Type ${CSV} or ${PARQUET}. Rows that fail validation (charged before the raw retention horizon among them) are reported with their line number and reason; the other rows are imported. Importing the same period again replaces it. 202: the import is applying; GET /v1/cost-imports/{id} shows when the cost store applied or refused it.`,
        tags: ['cost-imports'],
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ file_name: text({ max: 255 }).optional() }),
        response: { 202: reportSchema, 422: reportSchema },
      },
    },
    async (request, reply) => {
      const type = request.headers['content-type']?.split(';')[0]?.trim();
      if (type !== CSV && type !== PARQUET) throw new AppError('invalid', `send the file with Content-Type ${CSV} or ${PARQUET}`);
      const body = request.body as Readable;
      const fileName = request.query.file_name ?? (type === CSV ? 'upload.csv' : 'upload.parquet');
      const target = { organization_id: request.auth.organizationId, cloud_account_id: request.params.id, user_id: request.auth.userId };
      const deps = { db, outbox, logger };
      const account = await request.withTenant((trx) => requireAccountFor(trx, request.params.id, 'import costs', ['unlinked']));
      // A payer's export holds several accounts; each import is of one, and rows of others are refused.
      const options = { subAccountId: account.account_id, provider: account.provider, notBefore: retentionHorizon(new Date(), retentionMonths) };
      let report;
      if (type === CSV) {
        report = await importCosts(deps, target, fileSource(fileName, readFocusCsv(body.pipe(limitBytes(maxUploadBytes)), options)));
      } else {
        // Parquet keeps its index at the end of the file: it is spooled to disk and read from there.
        const dir = await mkdtemp(join(tmpdir(), 'stratus-import-'));
        try {
          const path = join(dir, 'upload.parquet');
          await pipeline(body, limitBytes(maxUploadBytes), createWriteStream(path));
          report = await importCosts(deps, target, fileSource(fileName, readFocusParquet(path, options)));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      return reply.status(report.status === 'applying' ? 202 : 422).send(report);
    },
  );

  app.post(
    '/cloud-accounts/:id/cost-imports',
    {
      config: { permission: 'costs:write' },
      schema: {
        summary: "Pull an account's costs for a period from its provider",
        description:
          'Queues the import; it shows in GET /cost-imports when it runs. The period is half-open: start included, end excluded. ' +
          'A period starting before the raw retention horizon (COST_RAW_RETENTION_MONTHS) is refused with 400.',
        tags: ['cost-imports'],
        params: z.object({ id: z.uuid() }),
        body: z
          .object({ start: day, end: day })
          .refine((period) => period.start < period.end, { error: 'end must be after start', path: ['end'] }),
        response: { 202: z.object({ job_id: z.string(), cloud_account_id: z.uuid() }) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const horizon = retentionHorizon(new Date(), retentionMonths);
      if (new Date(`${request.body.start}T00:00:00Z`) < horizon.cutoff) {
        throw new AppError('invalid', `start: ${request.body.start} is before ${horizon.text}`, { details: { field: 'start' } });
      }
      await request.withTenant((trx) => requireAccountFor(trx, id, 'import costs', ['unlinked']));
      const job = await queues.enqueue('account.costs.import', {
        cloud_account_id: id,
        organization_id: request.auth.organizationId,
        period: request.body,
      });
      return reply.status(202).send({ job_id: job.id!, cloud_account_id: id });
    },
  );

  app.get(
    '/cost-imports',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: 'Cost imports, newest first',
        tags: ['cost-imports'],
        querystring: pageQuery.extend({ cloud_account_id: z.uuid().optional() }),
        response: { 200: pageSchema(costImportSchema) },
      },
    },
    async (request) => {
      const { limit, cursor, cloud_account_id } = request.query;
      const after = decodeCursor(cursor);
      const rows = await request.withTenant((trx) =>
        trx
          .selectFrom('cost_imports')
          .selectAll()
          .$if(cloud_account_id !== undefined, (q) => q.where('cloud_account_id', '=', cloud_account_id!))
          .$call(newestFirst(after, limit))
          .execute(),
      );
      return toPage(rows, limit);
    },
  );

  app.get(
    '/cost-imports/:id',
    {
      config: { permission: 'costs:read' },
      schema: { summary: 'One cost import and its rejected rows', tags: ['cost-imports'], params: z.object({ id: z.uuid() }), response: { 200: costImportSchema } },
    },
    async (request) => {
      const found = await request.withTenant((trx) =>
        trx.selectFrom('cost_imports').selectAll().where('id', '=', request.params.id).executeTakeFirst(),
      );
      if (!found) throw new AppError('not_found', `cost import ${request.params.id} not found`);
      return found;
    },
  );

  app.get(
    '/cost-imports/:id/refused.csv',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: "An import's refused rows as CSV",
        description:
          'One row per refused row kept on the import (the first 1,000; rows_rejected counts them all): line, reason, and what ' +
          'could be read of it (provider, sub_account_id, charge_category, billed_cost), for fixing the file and importing it again.',
        tags: ['cost-imports'],
        params: z.object({ id: z.uuid() }),
        produces: [CSV],
        response: { 200: z.string().describe(CSV) },
      },
    },
    async (request, reply) => {
      const found = await request.withTenant((trx) =>
        trx.selectFrom('cost_imports').select(['errors']).where('id', '=', request.params.id).executeTakeFirst(),
      );
      if (!found) throw new AppError('not_found', `cost import ${request.params.id} not found`);
      const columns = ['line', 'reason', 'provider', 'sub_account_id', 'charge_category', 'billed_cost'] as const;
      const csv = stringify(found.errors.map((error) => columns.map((column) => error[column] ?? '')), { header: true, columns: [...columns] });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="cost-import-${request.params.id}-refused.csv"`).send(csv);
    },
  );
};

function fileSource(fileName: string, batches: CostImportSource['batches']): CostImportSource {
  return { kind: 'file', file_name: fileName, batches };
}
