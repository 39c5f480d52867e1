import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ACTION_STATUSES, ACTION_TYPES, APPROVAL_STATUSES, STRATUS_ROLES, rowSchema } from '@stratus/db';
import { decodeCursor, pageQuery, pageSchema, text, toPage } from '@stratus/http';
import type { Queues } from '@stratus/queues';
import { enqueueOperations } from '../actions/actions.service.ts';
import { approvalRequestOf, listApprovals } from './approvals.queries.ts';
import { answerApproval, type Answer } from './approvals.service.ts';

const tags = ['approvals'];

const answerShape = {
  id: z.uuid(),
  approver_id: z.uuid(),
  status: z.enum(APPROVAL_STATUSES),
  comments: z.string().nullable(),
  requested_at: z.date(),
  responded_at: z.date().nullable(),
};

const approvalSchema = rowSchema('approvals', {
  ...answerShape,
  action_id: z.uuid(),
  action_type: z.enum(ACTION_TYPES),
  resource_id: z.uuid().nullable(),
  action_status: z.enum(ACTION_STATUSES),
  quorum: z.number().int(),
  expires_at: z.date(),
});

const requestSchema = rowSchema('approval_requests', {
  action_id: z.uuid(),
  digest: z.string(),
  current_digest: z.string().describe('the digest of the action as it is now: another value than digest means it changed and needs a new approval'),
  quorum: z.number().int(),
  approver_role: z.enum(STRATUS_ROLES),
  reasons: z.array(z.string()),
  expires_at: z.date(),
  created_at: z.date(),
  action_type: z.enum(ACTION_TYPES),
  resource_id: z.uuid().nullable(),
  parameters: z.record(z.string(), z.unknown()),
  action_status: z.enum(ACTION_STATUSES),
  created_by: z.uuid().nullable(),
  answers: z.array(rowSchema('approvals', answerShape)),
});

const outcomeSchema = z.object({
  action_status: z.enum(['awaiting_approval', 'queued', 'rejected']),
  approved: z.number().int(),
  quorum: z.number().int(),
});

const actionParams = z.object({ id: z.uuid() });
const digest = z.string().regex(/^[0-9a-f]{64}$/, 'must be the digest GET /v1/actions/:id/approval answers');
const digestNote = 'Send the digest of the action you reviewed (GET /v1/actions/:id/approval): if the action changed since its approval was requested, the answer is 409.';

export const approvalsRoutes: FastifyPluginAsyncZod<{ queues: Queues }> = async (app, options) => {
  app.get(
    '/approvals',
    {
      config: { permission: 'approvals:read' },
      schema: {
        summary: 'Approvers asked to review actions, newest first',
        description: 'status=pending lists what can still be answered; mine=true only what the caller was asked.',
        tags,
        querystring: pageQuery.extend({
          status: z.enum(APPROVAL_STATUSES).optional(),
          mine: z.enum(['true', 'false']).optional(),
        }),
        response: { 200: pageSchema(approvalSchema) },
      },
    },
    async (request) => {
      const { limit, cursor, status, mine } = request.query;
      const filters = { status, approver_id: mine === 'true' ? request.auth.userId : undefined };
      const rows = await request.withTenant((trx) => listApprovals(trx, filters, decodeCursor(cursor), limit));
      return toPage(rows, limit);
    },
  );

  app.get(
    '/actions/:id/approval',
    {
      config: { permission: 'approvals:read' },
      schema: { summary: "An action's approval request: what is reviewed, its digest, quorum, expiry and answers", tags, params: actionParams, response: { 200: requestSchema } },
    },
    async (request) => request.withTenant((trx) => approvalRequestOf(trx, request.params.id)),
  );

  for (const [path, verdict, bodySchema] of [
    ['approve', 'approved', z.object({ digest, comment: text({ min: 1 }).optional() })],
    ['reject', 'rejected', z.object({ digest, comment: text({ min: 1 }).describe('why: the requester reads it') })],
  ] as const) {
    app.post(
      `/actions/:id/${path}`,
      {
        config: { permission: 'approvals:decide' },
        schema: {
          summary: verdict === 'approved' ? 'Approves an action: the quorum of approvals releases it to execution' : 'Rejects an action, with a comment: it fails and does not run',
          description: `${digestNote} A requester cannot answer for their own action; an approver answers once.`,
          tags,
          params: actionParams,
          body: bodySchema,
          response: { 200: outcomeSchema },
        },
      },
      async (request) => {
        const { operation_ids, ...outcome } = await request.withTenant((trx) =>
          answerApproval(trx, request.params.id, request.auth.userId, { answer: verdict, digest: request.body.digest, comment: request.body.comment }, new Date()),
        );
        // After the commit: a job must never run for operations the database does not hold.
        await enqueueOperations(options.queues, request.auth.organizationId, operation_ids);
        return outcome;
      },
    );
  }
};
