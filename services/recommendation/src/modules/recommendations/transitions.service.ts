/**
 * People's transitions (apply, dismiss, snooze, reopen) and the action outcomes that end a claim.
 * Each locks the recommendation, checks the etag the caller saw (a stale one is a 409 carrying the
 * current etag) and the lifecycle, and writes the change with its history and event.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ACTION_TYPES, type JsonObject, type RecommendationDismissReason } from '@stratus/db';
import { AppError } from '@stratus/http';
import { nextStatus, TransitionRefused, type Transition } from './lifecycle.ts';
import { outbox, type RecommendationRow } from './recommendation-events.ts';
import { startMeasuring } from '../realized-savings/realized-savings.service.ts';
import { writeTransition, type Trx } from './recommendations.repository.ts';

export interface Actor {
  userId: string | null;
}

/** The action a recommendation requests when applied, as evaluation stored it in details.action. */
const storedAction = z.object({ type: z.enum(ACTION_TYPES), parameters: z.record(z.string(), z.unknown()) });

/** The parameters a person may override per action type; anything else is refused by name. */
const OVERRIDES = {
  start: z.strictObject({}),
  stop: z.strictObject({}),
  snapshot: z.strictObject({ name: z.string().min(1).max(255).optional() }),
  scale: z.strictObject({ size: z.string().min(1).max(100).optional() }),
  delete: z.strictObject({ snapshot_first: z.boolean().optional() }),
  tag: z.strictObject({ tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional() }),
} as const;

export function etagOf(row: Pick<RecommendationRow, 'version'>): string {
  return String(row.version);
}

async function lock(trx: Trx, id: string, etag: string | undefined): Promise<RecommendationRow> {
  const row = await trx.selectFrom('recommendations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('not_found', `recommendation ${id} does not exist`);
  if (etag !== undefined && etag !== etagOf(row)) {
    throw new AppError('conflict', `recommendation ${id} changed since etag ${etag} (now ${etagOf(row)}): read it again and retry`, {
      details: { etag: etagOf(row), status: row.status },
    });
  }
  return row;
}

function next(transition: Transition, row: RecommendationRow) {
  try {
    return nextStatus(transition, row.status);
  } catch (error) {
    if (error instanceof TransitionRefused) throw new AppError('conflict', error.message, { details: { etag: etagOf(row), status: row.status } });
    throw error;
  }
}

/**
 * Claims the recommendation and requests its action through the outbox, in one transaction: the
 * action executor receives action.requested if and only if the claim committed. The seed's
 * recommendation_actions row (apply, queued) shares the action's id, which action.completed and
 * action.failed carry back.
 */
export async function applyRecommendation(trx: Trx, id: string, input: { etag: string; parameters?: Record<string, unknown> }, actor: Actor): Promise<{ recommendation: RecommendationRow; action_id: string }> {
  const row = await lock(trx, id, input.etag);
  const parsed = storedAction.safeParse((row.details as { action?: unknown }).action);
  if (!parsed.success || row.resource_id === null) {
    throw new AppError('conflict', `recommendation ${id} (${row.recommendation_type}) has no action to request: it is carried out by people`);
  }
  const action = parsed.data;
  const overrides = OVERRIDES[action.type].safeParse(input.parameters ?? {});
  if (!overrides.success) {
    throw new AppError('invalid', `parameters: ${overrides.error.issues.map((issue) => `${['parameters', ...issue.path].join('.')}: ${issue.message}`).join('; ')}`);
  }
  const parameters = { ...action.parameters, ...overrides.data } as JsonObject;
  const status = next('claim', row);
  const actionId = randomUUID();
  const reversible = (row.details as { reversible?: unknown }).reversible === true;
  await trx
    .insertInto('recommendation_actions')
    .values({ id: actionId, organization_id: row.organization_id, user_id: actor.userId, recommendation_id: row.id, action: 'apply', status: 'queued', result: JSON.stringify({ action_type: action.type, parameters }) })
    .execute();
  const recommendation = await writeTransition(trx, row, 'claim', status, { userId: actor.userId, metadata: { action_id: actionId, action_type: action.type, parameters } });
  await outbox.publish(trx, 'action.requested', {
    tenant: row.organization_id,
    data: {
      action_id: actionId,
      action_type: action.type,
      resource_id: row.resource_id,
      parameters,
      ...(actor.userId === null ? {} : { requested_by: actor.userId }),
      recommendation_id: row.id,
      // What cannot be undone waits for an approval.
      requires_approval: !reversible,
    },
  });
  return { recommendation, action_id: actionId };
}

export async function dismissRecommendation(trx: Trx, id: string, input: { etag: string; reason_code: RecommendationDismissReason; note?: string }, actor: Actor): Promise<RecommendationRow> {
  const row = await lock(trx, id, input.etag);
  const status = next('dismiss', row);
  const metadata = { reason_code: input.reason_code, note: input.note ?? null };
  // The seed's record of a person ignoring the recommendation.
  await trx
    .insertInto('recommendation_actions')
    .values({ organization_id: row.organization_id, user_id: actor.userId, recommendation_id: row.id, action: 'ignore', status: 'success', result: JSON.stringify(metadata) })
    .execute();
  return writeTransition(trx, row, 'dismiss', status, { userId: actor.userId, metadata });
}

export async function snoozeRecommendation(trx: Trx, id: string, input: { etag: string; until: Date; note?: string }, actor: Actor, now: Date): Promise<RecommendationRow> {
  if (input.until.getTime() <= now.getTime()) throw new AppError('invalid', 'until: must be in the future');
  const row = await lock(trx, id, input.etag);
  const status = next('snooze', row);
  return writeTransition(trx, row, 'snooze', status, { userId: actor.userId, metadata: { until: input.until.toISOString(), note: input.note ?? null }, snoozedUntil: input.until });
}

export async function reopenRecommendation(trx: Trx, id: string, input: { etag: string }, actor: Actor): Promise<RecommendationRow> {
  const row = await lock(trx, id, input.etag);
  const status = next('reopen', row);
  try {
    return await writeTransition(trx, row, 'reopen', status, { userId: actor.userId });
  } catch (error) {
    // A failed recommendation's subject may have a newer live one (the unique index says so).
    if ((error as { code?: string }).code === '23505') {
      throw new AppError('conflict', `resource already has a live ${row.recommendation_type} recommendation: act on that one`);
    }
    throw error;
  }
}

/**
 * The action executor's outcome of an action this service requested: the recommendation_actions
 * row takes it, and a claimed recommendation succeeds or fails. A failed action that a replay then
 * carries out succeeds after all, and its recommendation with it. An action requested by someone
 * else (an automation rule) is not ours; a repeated outcome changes nothing.
 */
export async function recordActionOutcome(trx: Trx, actionId: string, outcome: { succeeded: boolean; result: JsonObject }): Promise<RecommendationRow | undefined> {
  const action = await trx
    .updateTable('recommendation_actions')
    .set({ status: outcome.succeeded ? 'success' : 'error', result: JSON.stringify(outcome.result) })
    .where('id', '=', actionId)
    .where('action', '=', 'apply')
    .where('status', 'in', outcome.succeeded ? ['queued', 'running', 'error'] : ['queued', 'running'])
    .returning('recommendation_id')
    .executeTakeFirst();
  if (!action) return undefined;
  const row = await lock(trx, action.recommendation_id, undefined);
  if (row.status !== 'claimed' && !(outcome.succeeded && row.status === 'failed')) return undefined;
  const transition = outcome.succeeded ? 'succeed' : 'fail';
  const recommendation = await writeTransition(trx, row, transition, nextStatus(transition, row.status), { metadata: { action_id: actionId, ...outcome.result } });
  if (outcome.succeeded) await startMeasuring(trx, recommendation, recommendation.updated_at);
  return recommendation;
}
