import type { Job } from 'bullmq';
import { withTenant } from '@stratus/db';
import type { JobHandler } from '@stratus/queues';
import type { ServiceDeps } from '@stratus/runtime';
import { getRule } from '../modules/automation-rules/automation-rules.repository.ts';
import { recordFailedRun, runRule, type RunTrigger } from '../modules/automation-rules/rule-runs.service.ts';

/**
 * The tick a job is for: the payload's, or, for a job its scheduler created, the time in its id
 * (BullMQ names it repeat:<scheduler id>:<millis>), which every redelivery of that job carries too.
 */
function tickOf(payload: { scheduled_for?: string | undefined }, job: Job): Date | null {
  if (payload.scheduled_for !== undefined) return new Date(payload.scheduled_for);
  const millis = job.repeatJobKey === undefined ? undefined : /^repeat:.+:(\d+)$/.exec(job.id ?? '')?.[1];
  return millis === undefined ? null : new Date(Number(millis));
}

/** Runs a rule on its tick; a rule deleted or disabled since the tick was placed is skipped. */
export function automationRuleRunJob(deps: Pick<ServiceDeps, 'db' | 'logger'>): JobHandler<'automation.rule.run'> {
  const logger = deps.logger.child({ job: 'automation.rule.run' });
  return async (payload, job) => {
    const scheduled_for = tickOf(payload, job);
    const scoped = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(deps.db, payload.organization_id, fn);
    try {
      return await scoped(async (trx) => {
        const rule = await getRule(trx, payload.rule_id);
        if (!rule) return { status: 'skipped' as const, reason: `rule ${payload.rule_id} no longer exists` };
        if (rule.status !== 'enabled') return { status: 'skipped' as const, reason: `rule ${rule.id} is disabled` };
        const outcome = await runRule(trx, rule, { scheduled_for, requested_by: rule.user_id });
        return outcome.status === 'done' ? { status: 'done' as const, run_id: outcome.run.id, run_status: outcome.run.status, matched: outcome.run.details.matched } : outcome;
      });
    } catch (error) {
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) {
        const trigger: RunTrigger = { scheduled_for, requested_by: null };
        const message = error instanceof Error ? error.message : String(error);
        await scoped(async (trx) => {
          const rule = await getRule(trx, payload.rule_id);
          if (rule) await recordFailedRun(trx, rule, trigger, message);
        }).catch((recordError: unknown) => logger.error({ err: recordError, rule_id: payload.rule_id }, 'could not record the failed run'));
      }
      throw error;
    }
  };
}
