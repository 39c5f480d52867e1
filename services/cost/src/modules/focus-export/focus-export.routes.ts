import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, day } from '@stratus/http';
import type { OptionalObjectStore } from '@stratus/object-store';
import { requireStore } from '../cost-archives/cost-archives.routes.ts';
import { exportFocus, FOCUS_EXPORT_FORMATS, type FocusSelection } from './focus-export.ts';

export interface FocusExportRoutesOptions {
  objects: OptionalObjectStore;
}

const tags = ['costs'];
/** How long the link to an export in the bucket reads it. */
const LINK_SECONDS = 3_600;

const selectionFields = {
  from: day.describe('first day, YYYY-MM-DD (UTC): lines charged from its start'),
  to: day.describe('day after the last, YYYY-MM-DD (UTC): the range is [from, to)'),
  format: z.enum(FOCUS_EXPORT_FORMATS).default('csv'),
};
const accountsHelp = 'linked cloud accounts (their ids in Stratus); all of them when absent';

const exportQuery = z.strictObject({
  ...selectionFields,
  accounts: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(z.uuid()).min(1).max(100))
    .optional()
    .describe(`comma list of ${accountsHelp}`),
});
const exportBody = z.strictObject({ ...selectionFields, accounts: z.array(z.uuid()).min(1).max(100).optional().describe(accountsHelp) });

const storedExportSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  format: z.enum(FOCUS_EXPORT_FORMATS),
  rows: z.number().int().describe('cost lines exported'),
  url: z.string().describe(`a link that downloads the file without credentials, for ${LINK_SECONDS / 60} minutes`),
  expires_at: z.date(),
});

const description =
  'Counted cost lines of the selection as a FOCUS 1.2 file: the mandatory columns (null where Stratus does not know the value), ' +
  'SubAccountId/Name, RegionId, ResourceId and Tags, and Stratus ids in x_Stratus* columns. Importing it ' +
  '(POST /v1/cost-imports/file on the ingestion API, unlinked_sub_accounts=link) gives the same totals. Lines are the raw ones, ' +
  'so the range must lie within their retention (COST_RAW_RETENTION_MONTHS) or a restored archive.';

function selectionOf(input: { from: string; to: string; accounts?: string[] }): FocusSelection {
  if (input.from >= input.to) throw new AppError('invalid', `from (${input.from}) must be before to (${input.to}): the range is [from, to)`);
  return { from: input.from, to: input.to, accounts: input.accounts };
}

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', parquet: 'application/vnd.apache.parquet' } as const;

export const focusExportRoutes: FastifyPluginAsyncZod<FocusExportRoutesOptions> = async (app, { objects }) => {
  app.get(
    '/costs/focus-export',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: 'Download cost lines as a FOCUS 1.2 file (CSV or Parquet)',
        description: `${description} Streamed as it is read.`,
        tags,
        querystring: exportQuery,
        produces: ['text/csv', 'application/vnd.apache.parquet'],
        response: { 200: z.string().describe('the file') },
      },
    },
    async (request, reply) => {
      const selection = selectionOf(request.query);
      const { format } = request.query;
      await request.withTenant(async (trx) => {
        const file = await exportFocus(trx, selection, format);
        reply
          .type(CONTENT_TYPES[format])
          .header('content-disposition', `attachment; filename="focus_${selection.from}_${selection.to}.${format}"`)
          // Typed by the documented response (text); fastify sends a stream as it is, unserialised.
          .send(file.body as unknown as string);
        // The cursor lives in this transaction: it stays open until the last line is sent or the client goes.
        await file.done.catch((error: unknown) => request.log.warn({ err: error }, 'FOCUS export ended early'));
      });
      return reply;
    },
  );

  app.post(
    '/costs/focus-exports',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: 'Write cost lines as a FOCUS 1.2 file to the object store, and link to it',
        description: `${description} Written to the bucket under exports/focus/; answers 409 when no object store is configured (S3_ENDPOINT).`,
        tags,
        body: exportBody,
        response: { 201: storedExportSchema },
      },
    },
    async (request, reply) => {
      const store = requireStore(objects, 'exporting FOCUS files to the bucket');
      const selection = selectionOf(request.body);
      const { format } = request.body;
      const key = `exports/focus/organization_id=${request.auth.organizationId}/${selection.from}_${selection.to}_${randomUUID()}.${format}`;
      const { rows } = await request.withTenant(async (trx) => {
        const file = await exportFocus(trx, selection, format);
        const upload = store.put(key, file.body, { contentType: CONTENT_TYPES[format] }).catch((error: unknown) => {
          // Unread, the export would wait on the stream for ever and hold the cursor's transaction.
          file.body.destroy(error as Error);
          throw error;
        });
        const [written] = await Promise.all([file.done, upload]);
        return written;
      });
      const expiresAt = new Date(Date.now() + LINK_SECONDS * 1000);
      return reply.status(201).send({ bucket: store.bucket, key, format, rows, url: await store.signedUrl(key, LINK_SECONDS), expires_at: expiresAt });
    },
  );
};
