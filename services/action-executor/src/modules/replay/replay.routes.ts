import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ACTION_TYPES } from '@stratus/db';
import { AppError } from '@stratus/http';
import type { Queues } from '@stratus/queues';
import { enqueueOperations } from '../actions/actions.service.ts';
import { FAILED_CAP, listFailed, replayFailed, type ReplayOutcome } from './replay.service.ts';

const tags = ['replay'];

const filters = z.object({
  cloud_account_id: z.uuid().optional(),
  action_type: z.enum(ACTION_TYPES).optional(),
  error_class: z.string().max(100).optional().describe('e.g. CloudOperationError, CloudThrottledError, CloudUnavailableError, CloudCredentialsError'),
  since: z.coerce.date().optional().describe('failed at or after (ISO 8601)'),
});

const failedSchema = z.object({
  action_id: z.uuid(),
  action_type: z.enum(ACTION_TYPES),
  resource_id: z.uuid().nullable(),
  cloud_account_id: z.uuid().nullable(),
  operation_id: z.uuid(),
  attempts: z.number().int(),
  error: z.object({ message: z.string().optional(), class: z.string().optional(), retryable: z.boolean().optional() }).nullable(),
  failed_at: z.date(),
});

const outcomeSchema = z.object({
  dry_run: z.boolean(),
  replayed: z.array(z.object({ action_id: z.uuid(), replay_of: z.uuid(), operation_id: z.uuid().nullable() })),
  skipped: z.array(z.object({ action_id: z.uuid(), reason: z.string() })),
});

const replayOptions = z.object({
  dry_run: z.boolean().default(false).describe('list what would be replayed; nothing changes'),
  reason: z.string().max(500).optional().describe("kept in each action's history"),
});

export const replayRoutes: FastifyPluginAsyncZod<{ queues: Pick<Queues, 'enqueue' | 'enqueueMany'> }> = async (app, options) => {
  /** Replays in the caller's organisation, then enqueues what the committed replay queued. */
  async function replay(request: FastifyRequest, selection: Parameters<typeof replayFailed>[1], body: z.infer<typeof replayOptions>): Promise<ReplayOutcome> {
    const outcome = await request.withTenant((trx) => replayFailed(trx, selection, { actor: request.auth.userId, dry_run: body.dry_run, ...(body.reason === undefined ? {} : { reason: body.reason }) }));
    const ids = outcome.replayed.flatMap((entry) => (entry.operation_id === null ? [] : [entry.operation_id]));
    await enqueueOperations(options.queues, request.auth.organizationId, ids);
    return outcome;
  }

  app.get(
    '/actions/failed',
    {
      config: { permission: 'actions:read' },
      schema: { summary: `Failed actions with their error and attempts, oldest failure first (at most ${FAILED_CAP})`, tags, querystring: filters, response: { 200: z.object({ items: z.array(failedSchema) }) } },
    },
    async (request) => ({ items: await request.withTenant((trx) => listFailed(trx, request.query)) }),
  );

  app.post(
    '/actions/:id/replay',
    {
      config: { permission: 'actions:write' },
      schema: {
        summary: 'Replay one failed action: a new operation, linked in its history to the one that failed',
        description: 'An action that did not fail (one that succeeded above all) is never executed again: it is answered under skipped.',
        tags,
        params: z.object({ id: z.uuid() }),
        body: replayOptions,
        response: { 200: outcomeSchema },
      },
    },
    async (request) => replay(request, { ids: [request.params.id], filters: {} }, request.body),
  );

  app.post(
    '/actions/replay',
    {
      config: { permission: 'actions:write' },
      schema: {
        summary: 'Replay failed actions: these ids, or every failed one matching the filters since a time',
        tags,
        body: replayOptions.extend(filters.shape).extend({ action_ids: z.array(z.uuid()).min(1).max(FAILED_CAP).optional() }),
        response: { 200: outcomeSchema },
      },
    },
    async (request) => {
      const { action_ids, dry_run, reason, ...chosen } = request.body;
      if (action_ids === undefined && chosen.since === undefined) {
        throw new AppError('invalid', 'body.since: give since (replay every failed action since then) or action_ids');
      }
      return replay(request, { ...(action_ids === undefined ? {} : { ids: action_ids }), filters: chosen }, { dry_run, ...(reason === undefined ? {} : { reason }) });
    },
  );
};
