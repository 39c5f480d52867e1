import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readFocusCsv, readFocusParquet, type FocusReadOptions } from '@stratus/cloud';
import { retentionHorizon } from '@stratus/config';
import { BILLING_IMPORT_STATUSES, CLOUD_PROVIDERS, COST_IMPORT_SOURCES, COST_IMPORT_STATUSES, UNLINKED_SUB_ACCOUNTS, newestFirst, rowSchema, teamRestricted } from '@stratus/db';
import { AppError, day, decodeCursor, pageQuery, pageSchema, text, toPage } from '@stratus/http';
import type { Queues } from '@stratus/queues';
import type { ServiceDeps } from '@stratus/runtime';
import { importBillingFile } from './billing-import.service.ts';
import { unlinkedSubAccountsSetting } from './unassigned-costs.routes.ts';
import { importCosts, type CostBatch } from './cost-import.service.ts';
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

const linkedAccount = z.object({ cloud_account_id: z.uuid(), provider: z.string(), account_id: z.string(), name: z.string() });

const billingImportFields = {
  id: z.uuid(),
  file_name: z.string(),
  unlinked_sub_accounts: z.enum(UNLINKED_SUB_ACCOUNTS),
  status: z
    .enum(BILLING_IMPORT_STATUSES)
    .describe(
      "routed: every row went to its account's import (see `imports`, each applied or refused by the cost store), was kept as unassigned cost, or was refused; failed: not imported at all",
    ),
  rows_total: z.number().int(),
  rows_routed: z.number().int(),
  rows_rejected: z.number().int(),
  rows_unassigned: z.number().int().describe('rows of sub-accounts nobody linked, kept as unassigned cost (GET /v1/unassigned-costs)'),
  errors: z.array(refusedRow).describe('the first 1,000 refused rows, those that reached no account among them'),
  error: z.string().nullable(),
  breakdown: breakdownSchema.nullable(),
  linked_accounts: z.array(linkedAccount).describe('billing-only accounts this import linked'),
};

const unassignedSubAccount = z.object({
  provider: z.enum(CLOUD_PROVIDERS),
  sub_account_id: z.string(),
  sub_account_name: z.string().nullable(),
  currency: z.string(),
  rows: z.number().int(),
  billed_cost: z.string(),
});
const unassignedSchema = z.array(unassignedSubAccount).describe('per sub-account and currency, the rows kept as unassigned cost (the first 1,000 sub-accounts)');

const billingShareSchema = rowSchema('cost_imports', {
  id: z.uuid(),
  cloud_account_id: z.uuid(),
  status: z.enum(COST_IMPORT_STATUSES),
  rows_imported: z.number().int(),
  error: z.string().nullable(),
  period_start: z.date().nullable(),
  period_end: z.date().nullable(),
  settled_at: z.date().nullable(),
});

const billingImportReportSchema = rowSchema('billing_imports', {
  ...billingImportFields,
  unassigned: unassignedSchema,
  imports: z
    .array(rowSchema('cost_imports', { ...reportSchema.shape, cloud_account_id: z.uuid() }))
    .describe("each account's import: GET /v1/cost-imports/{id} shows when the cost store applied or refused it"),
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

/**
 * Reads an uploaded CSV or Parquet body as FOCUS batches. Parquet keeps its index at the end of the
 * file: it is spooled to disk, read from there, and removed once `use` is done with it.
 */
async function withUpload<T>(
  body: Readable,
  type: typeof CSV | typeof PARQUET,
  maxUploadBytes: number,
  use: (read: (options: FocusReadOptions) => AsyncIterable<CostBatch>) => Promise<T>,
): Promise<T> {
  if (type === CSV) return use((options) => readFocusCsv(body.pipe(limitBytes(maxUploadBytes)), options));
  const dir = await mkdtemp(join(tmpdir(), 'stratus-import-'));
  try {
    const path = join(dir, 'upload.parquet');
    await pipeline(body, limitBytes(maxUploadBytes), createWriteStream(path));
    return await use((options) => readFocusParquet(path, options));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function uploadType(contentType: string | undefined): typeof CSV | typeof PARQUET {
  const type = contentType?.split(';')[0]?.trim();
  if (type !== CSV && type !== PARQUET) throw new AppError('invalid', `send the file with Content-Type ${CSV} or ${PARQUET}`);
  return type;
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
      const type = uploadType(request.headers['content-type']);
      const fileName = request.query.file_name ?? (type === CSV ? 'upload.csv' : 'upload.parquet');
      const target = { organization_id: request.auth.organizationId, cloud_account_id: request.params.id, user_id: request.auth.userId };
      const account = await request.withTenant((trx) => requireAccountFor(trx, request.params.id, 'import costs', ['unlinked']));
      // A payer's export holds several accounts; each import is of one, and rows of others are refused.
      const options = { subAccountId: account.account_id, provider: account.provider, notBefore: retentionHorizon(new Date(), retentionMonths) };
      const report = await withUpload(request.body as Readable, type, maxUploadBytes, (read) =>
        importCosts({ db, outbox, logger }, target, { kind: 'file', file_name: fileName, batches: read(options) }),
      );
      return reply.status(report.status === 'applying' ? 202 : 422).send(report);
    },
  );

  app.post(
    '/cost-imports/file',
    {
      config: { permission: 'costs:write' },
      schema: {
        summary: 'Import a FOCUS file of a whole billing account (CSV or Parquet), routing each row to its account',
        description:
          `Send the file as the body with Content-Type ${CSV} or ${PARQUET}: an AWS Organization's export, an Azure billing account's or a GCP billing account's. ` +
          'Each row goes to the linked cloud account its provider and SubAccountId name (Azure subscriptions also as /subscriptions/<id>), ' +
          "as an import of that account (`imports`), which the cost store applies or refuses like any other. A sub-account nobody linked is linked as a billing-only account " +
          '(no credentials, no discovery, named from SubAccountName) with unlinked_sub_accounts=link, its rows are kept as unassigned cost (GET /v1/unassigned-costs) ' +
          'with unlinked_sub_accounts=unassigned, or refused with unlinked_sub_accounts=refuse; without the parameter, the organisation\'s setting ' +
          '(GET /v1/cost-import-settings, link unless changed) decides. ' +
          'Rows of other providers, rows without SubAccountId and rows of unlinked accounts are refused with their line and reason. ' +
          '202: routed; 422: nothing could be imported.',
        tags: ['cost-imports'],
        querystring: z.object({
          file_name: text({ max: 255 }).optional(),
          unlinked_sub_accounts: z
            .enum(UNLINKED_SUB_ACCOUNTS)
            .optional()
            .describe("what to do with the rows of a sub-account no cloud account is linked to; the organisation's setting when absent"),
        }),
        response: { 202: billingImportReportSchema, 422: billingImportReportSchema },
      },
    },
    async (request, reply) => {
      const type = uploadType(request.headers['content-type']);
      const fileName = request.query.file_name ?? (type === CSV ? 'upload.csv' : 'upload.parquet');
      const notBefore = retentionHorizon(new Date(), retentionMonths);
      // The importer writes every account the file names, under no person's grants: a person the teams restrict is refused here.
      if (await request.withTenant(teamRestricted)) {
        throw new AppError('forbidden', "a billing-level import reaches every account of the organisation; people restricted to their teams' accounts import for one account (POST /v1/cloud-accounts/:id/cost-imports/file)");
      }
      const unlinked = request.query.unlinked_sub_accounts ?? (await request.withTenant(unlinkedSubAccountsSetting));
      const report = await withUpload(request.body as Readable, type, maxUploadBytes, (read) =>
        importBillingFile(
          { db, outbox, logger },
          { organization_id: request.auth.organizationId, user_id: request.auth.userId },
          { file_name: fileName, unlinked_sub_accounts: unlinked, read: (accept) => read({ notBefore, accept }) },
        ),
      );
      return reply.status(report.status === 'routed' ? 202 : 422).send(report);
    },
  );

  app.get(
    '/billing-imports/:id',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: 'One billing-level import, with the import of each account it reached',
        tags: ['cost-imports'],
        params: z.object({ id: z.uuid() }),
        response: {
          200: rowSchema('billing_imports', {
            ...billingImportFields,
            created_at: z.date(),
            completed_at: z.date().nullable(),
            imports: z.array(billingShareSchema).describe("each account's import as the cost store left it"),
            unassigned: unassignedSchema,
          }),
        },
      },
    },
    async (request) => {
      const found = await request.withTenant(async (trx) => {
        const billing = await trx.selectFrom('billing_imports').selectAll().where('id', '=', request.params.id).executeTakeFirst();
        if (!billing) return undefined;
        const imports = await trx
          .selectFrom('cost_imports')
          .select(['id', 'cloud_account_id', 'status', 'rows_imported', 'error', 'period_start', 'period_end', 'settled_at'])
          .where('billing_import_id', '=', billing.id)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        const unassigned = await trx
          .selectFrom('unassigned_costs')
          .select(['provider', 'sub_account_id', 'currency'])
          .select((eb) => [
            eb.fn.max('sub_account_name').as('sub_account_name'),
            sql<number>`sum(rows)::int`.as('rows'),
            sql<string>`stratus_amount_text(sum(billed_cost))`.as('billed_cost'),
          ])
          .where('billing_import_id', '=', billing.id)
          .groupBy(['provider', 'sub_account_id', 'currency'])
          .orderBy('provider')
          .orderBy('sub_account_id')
          .orderBy('currency')
          .limit(1_000)
          .execute();
        return { ...billing, imports, unassigned };
      });
      if (!found) throw new AppError('not_found', `billing import ${request.params.id} not found`);
      return found;
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
      await request.withTenant((trx) => requireAccountFor(trx, id, 'pull costs from its provider (it has no credentials: link it with POST /v1/cloud-accounts)', ['unlinked', 'billing_only']));
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
