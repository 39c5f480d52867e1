import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { COST_ARCHIVE_STATUSES, rowSchema, type Database } from '@stratus/db';
import { AppError } from '@stratus/http';
import { ObjectStoreNotConfigured, type ObjectStore, type OptionalObjectStore } from '@stratus/object-store';
import { listArchives, type CostArchive } from './cost-archives.repository.ts';
import { restoreArchive } from './cost-archives.service.ts';

export interface CostArchivesRoutesOptions {
  db: Kysely<Database>;
  objects: OptionalObjectStore;
}

const tags = ['costs'];

export const costArchiveSchema = rowSchema('cost_archives', {
  id: z.uuid(),
  month: z.string().describe("the month's first day, YYYY-MM-DD"),
  status: z.enum(COST_ARCHIVE_STATUSES),
  bucket: z.string(),
  manifest_key: z.string().describe('the manifest (row count and sums) in the bucket'),
  object_keys: z.array(z.string()).describe('the Parquet objects holding the lines'),
  rows: z.string().describe('cost lines archived'),
  bytes: z.string().describe('size of the Parquet objects'),
  sums: z.record(z.string(), z.string()).describe('sum of the amounts per currency, e.g. {"USD": "1234.500000"}'),
  archived_at: z.date().nullable(),
  restored_at: z.date().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});

const monthParams = z.strictObject({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM').describe('YYYY-MM'),
});

function toArchive(row: CostArchive): z.infer<typeof costArchiveSchema> {
  const { organization_id: _organization, ...archive } = row;
  return { ...archive, sums: archive.sums as Record<string, string> };
}

/** The store, or a 409 that names the setting: the rest of the service runs without one. */
export function requireStore(objects: OptionalObjectStore, feature: string): ObjectStore {
  try {
    return objects.require(feature);
  } catch (error) {
    if (error instanceof ObjectStoreNotConfigured) throw new AppError('conflict', error.message, { details: { setting: error.setting } });
    throw error;
  }
}

export const costArchivesRoutes: FastifyPluginAsyncZod<CostArchivesRoutesOptions> = async (app, { db, objects }) => {
  app.get(
    '/costs/archives',
    {
      config: { permission: 'costs:read' },
      schema: {
        summary: "The organisation's archived cost months, newest first",
        description:
          'Months of raw cost lines past retention (COST_RAW_RETENTION_MONTHS) are written to the object store as Parquet, ' +
          'with a manifest of row counts and sums, and checked before their lines are dropped. The rollups keep their totals.',
        tags,
        response: { 200: z.object({ items: z.array(costArchiveSchema) }) },
      },
    },
    async (request) => ({ items: (await request.withTenant(listArchives)).map(toArchive) }),
  );

  app.post(
    '/costs/archives/:month/restore',
    {
      config: { permission: 'costs:write' },
      schema: {
        summary: "Put an archived month's cost lines back into the cost store",
        description:
          'Reads the Parquet objects back into the raw cost lines and checks the rows and sums against the manifest; ' +
          'the month is then kept (maintenance no longer drops it). Asking again after a failure completes the restore. ' +
          'Answers 409 when no object store is configured (S3_ENDPOINT).',
        tags,
        params: monthParams,
        response: { 200: costArchiveSchema },
      },
    },
    async (request) => {
      const store = requireStore(objects, 'restoring an archived cost month');
      return toArchive(await restoreArchive(db, store, request.auth.organizationId, `${request.params.month}-01`));
    },
  );
};
