import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database, OperationStatus } from '@stratus/db';
import { countMatches, matchResources, MatchSyntaxError, parseMatch } from '@stratus/match';
import { outbox } from '../actions/action-events.ts';
import { RUN_COLUMNS, type RuleRow } from './automation-rules.repository.ts';
import { RUN_SAMPLE_SIZE, type RunDetails } from './automation-rules.schemas.ts';

type Trx = Transaction<Database>;

export interface RunTrigger {
  /** The cron tick; null for a run requested by hand (never deduplicated). */
  scheduled_for: Date | null;
  /** Who asked for a run by hand; the rule's author for a scheduled one. */
  requested_by: string | null;
}

export type RunOutcome = { status: 'skipped'; reason: string } | { status: 'done'; run: Awaited<ReturnType<typeof finishRun>> };

/**
 * One run of a rule, in the caller's tenant transaction: the run row, every action.requested and
 * the run_finished event commit together or not at all, so a run retried after a crash starts over
 * and a redelivered tick (its scheduled_for already taken) requests nothing twice.
 *
 * Actions are requested exactly as POST /v1/actions requests them, by action.requested: the
 * executor's consumer records each one and applies the policy, approvals and dry-run rules to it
 * as to any other. A run matching more than max_resources requests nothing (blast_radius).
 */
export async function runRule(trx: Trx, rule: RuleRow, trigger: RunTrigger): Promise<RunOutcome> {
  const run = await startRun(trx, rule, trigger);
  if (!run) return { status: 'skipped', reason: `the tick ${trigger.scheduled_for?.toISOString()} of rule ${rule.id} already ran` };

  const base = nothingRequested(rule, trigger);
  let expression;
  try {
    expression = parseMatch(rule.match);
  } catch (error) {
    // Rules are checked when written; a stored one the language no longer reads fails visibly.
    if (!(error instanceof MatchSyntaxError)) throw error;
    return { status: 'done', run: await finishRun(trx, rule, run, trigger, 'error', { ...base, reason: `invalid_match: ${error.message}` }) };
  }

  // One more than the limit tells whether the run exceeds it without reading every match.
  const page = await matchResources(trx, rule.organization_id, expression, { limit: rule.max_resources });
  const ids = page.resources.map((resource) => resource.id);
  if (page.next !== null) {
    const matched = await countMatches(trx, rule.organization_id, expression);
    return { status: 'done', run: await finishRun(trx, rule, run, trigger, 'error', { ...base, matched, resource_ids: ids.slice(0, RUN_SAMPLE_SIZE), reason: 'blast_radius' }) };
  }

  const requestedBy = trigger.requested_by === null ? {} : { requested_by: trigger.requested_by };
  await outbox.publishMany(
    trx,
    ids.map((resource_id) => ({
      type: 'action.requested' as const,
      tenant: rule.organization_id,
      data: { action_id: randomUUID(), action_type: rule.action, resource_id, parameters: rule.parameters, requires_approval: false, ...requestedBy },
    })),
  );
  const details = { ...base, matched: ids.length, actions_requested: ids.length, resource_ids: ids.slice(0, RUN_SAMPLE_SIZE) };
  return { status: 'done', run: await finishRun(trx, rule, run, trigger, 'success', details) };
}

/** Records a run that failed for good (its job's last attempt), so the history shows it. */
export async function recordFailedRun(trx: Trx, rule: RuleRow, trigger: RunTrigger, message: string) {
  const run = await startRun(trx, rule, trigger);
  return run && finishRun(trx, rule, run, trigger, 'error', { ...nothingRequested(rule, trigger), reason: message });
}

/** The run's row, or undefined when its tick is already taken. */
function startRun(trx: Trx, rule: RuleRow, trigger: RunTrigger) {
  return trx
    .insertInto('automation_rule_runs')
    .values({ organization_id: rule.organization_id, rule_id: rule.id, user_id: trigger.requested_by, status: 'running', scheduled_for: trigger.scheduled_for })
    .onConflict((conflict) => conflict.columns(['rule_id', 'scheduled_for']).doNothing())
    .returning(['id', 'started_at'])
    .executeTakeFirst();
}

function nothingRequested(rule: RuleRow, trigger: RunTrigger): RunDetails {
  return { trigger: trigger.scheduled_for ? 'schedule' : 'manual', match: rule.match, action: rule.action, matched: 0, actions_requested: 0, resource_ids: [] };
}

async function finishRun(trx: Trx, rule: RuleRow, run: { id: string; started_at: Date }, trigger: RunTrigger, status: Extract<OperationStatus, 'success' | 'error'>, details: RunDetails) {
  const finished = await trx
    .updateTable('automation_rule_runs')
    .set({ status, finished_at: new Date(), details: JSON.stringify(details) })
    .where('id', '=', run.id)
    .returning(RUN_COLUMNS)
    .executeTakeFirstOrThrow();
  await outbox.publish(trx, 'automation_rule.run_finished', {
    tenant: rule.organization_id,
    data: {
      rule_id: rule.id,
      run_id: run.id,
      status,
      action_type: rule.action,
      matched: details.matched,
      actions_requested: details.actions_requested,
      ...(details.reason === undefined ? {} : { reason: details.reason }),
      ...(trigger.scheduled_for ? { scheduled_for: trigger.scheduled_for.toISOString() } : {}),
      started_at: run.started_at.toISOString(),
      finished_at: finished.finished_at!.toISOString(),
    },
  });
  return { ...finished, details };
}
