import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CLOUD_PROVIDERS, rowSchema } from '@stratus/db';
import { AppError, cursorCodec, pageQuery, pageSchema, pgTimestamp, toPage } from '@stratus/http';
import { listResources, RESOURCE_SORTS, resourceOrder, type ResourceSort } from './resources.repository.ts';

const provider = z.enum(CLOUD_PROVIDERS);

export const resourceSchema = rowSchema('resources', {
  id: z.uuid(),
  cloud_account_id: z.uuid(),
  provider,
  provider_resource_id: z.string(),
  name: z.string().nullable(),
  type: z.string(),
  region: z.string().nullable(),
  zone: z.string().nullable(),
  state: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  cost_daily: z.string().describe('decimal, in the account currency'),
  cost_monthly: z.string().describe('decimal, in the account currency'),
  metadata: z.record(z.string(), z.unknown()),
  discovered_at: z.date(),
  last_seen: z.date(),
  created_at: z.date(),
  updated_at: z.date(),
});

/** `tag=env:prod&tag=team:core`: every pair must match. */
const tagFilter = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const pairs = Array.isArray(value) ? value : [value];
    const tags: Record<string, string> = {};
    for (const pair of pairs) {
      const at = pair.indexOf(':');
      if (at <= 0) {
        ctx.addIssue({ code: 'custom', message: `tag filter "${pair}" must be key:value` });
        return z.NEVER;
      }
      tags[pair.slice(0, at)] = pair.slice(at + 1);
    }
    return tags;
  });

/**
 * A page's end in the order it was listed by: the sort itself, the last row's key as text and its
 * id, so a cursor of another order (or a forged key) is a 400, never a cast PostgreSQL refuses.
 */
const sortedCursor = cursorCodec(
  z.tuple([z.enum(RESOURCE_SORTS), z.string().max(4_000), z.uuid()]).refine(([sort, at]) => {
    const { type } = resourceOrder(sort);
    return type === 'numeric' ? /^-?\d{1,30}(\.\d{1,30})?$/.test(at) : type === 'timestamptz' ? pgTimestamp.safeParse(at).success : true;
  }),
  'start again without cursor (a cursor goes with the sort it was listed by)',
);

function afterOf(cursor: string | undefined, sort: ResourceSort) {
  const decoded = sortedCursor.decode(cursor);
  if (decoded && decoded[0] !== sort) throw new AppError('invalid', `cursor was listed by sort=${decoded[0]}, not ${sort}: keep the sort, or start again without cursor`);
  return decoded && { at: decoded[1], id: decoded[2] };
}

export const resourcesRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/resources',
    {
      config: { permission: 'resources:read' },
      schema: {
        summary: 'List the inventory of resources across linked cloud accounts',
        tags: ['resources'],
        querystring: pageQuery.extend({
          provider: provider.optional(),
          type: z.string().optional(),
          region: z.string().optional(),
          state: z.string().optional(),
          cloud_account_id: z.uuid().optional(),
          tag: tagFilter,
          sort: z.enum(RESOURCE_SORTS).default('-created_at').describe('name, type, region, state, cost_monthly or created_at; a leading - sorts descending'),
        }),
        response: { 200: pageSchema(resourceSchema) },
      },
    },
    async (request) => {
      const { limit, cursor, tag, sort, ...filters } = request.query;
      const rows = await request.withTenant((trx) => listResources(trx, { ...filters, tags: tag }, { sort, limit, after: afterOf(cursor, sort) }));
      return toPage(rows, limit, (last) => sortedCursor.encode([sort, last.keyset_at, last.id]));
    },
  );

  app.get(
    '/resources/:id',
    {
      config: { permission: 'resources:read' },
      schema: {
        summary: 'One resource',
        tags: ['resources'],
        params: z.object({ id: z.uuid() }),
        response: { 200: resourceSchema },
      },
    },
    async (request) => {
      const row = await request.withTenant((trx) =>
        trx.selectFrom('resources').selectAll().where('id', '=', request.params.id).executeTakeFirst(),
      );
      if (!row) throw new AppError('not_found', `resource ${request.params.id} not found`);
      return row;
    },
  );
};
