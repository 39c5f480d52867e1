import { AppError } from '@stratus/http';
import { MatchSyntaxError, parseMatch, type MatchExpression } from '@stratus/match';
import { InvalidScheduleError, nextRuns, type Queues } from '@stratus/queues';
import type { ActionType } from '@stratus/db';
import { PARAMETERS } from '../actions/actions.schemas.ts';

const SCHEDULER_PREFIX = 'automation-rule-';
/** The automation queue may carry other schedulers: only ids of this shape are rules'. */
const RULE_SCHEDULER = new RegExp(`^${SCHEDULER_PREFIX}([0-9a-f-]{36})$`);

export function schedulerIdOf(ruleId: string): string {
  return `${SCHEDULER_PREFIX}${ruleId}`;
}

export function ruleIdOfScheduler(schedulerId: string): string | undefined {
  return RULE_SCHEDULER.exec(schedulerId)?.[1];
}

/** The tree of a match expression, or a 400 naming the field, the position and what was expected. */
export function parseMatchField(text: string, field: string): MatchExpression {
  try {
    return parseMatch(text);
  } catch (error) {
    if (!(error instanceof MatchSyntaxError)) throw error;
    const { offset, line, column, expected, found } = error;
    throw new AppError('invalid', `${field}: ${error.message}`, { details: { field, offset, line, column, expected, found } });
  }
}

/** Checks what a rule will do when it runs: its match, its action's parameters and its schedule. */
export function checkRule(rule: { match: string; action: ActionType; parameters: Record<string, unknown>; cron: string; timezone: string }, prefix = 'body'): void {
  parseMatchField(rule.match, `${prefix}.match`);
  const checked = PARAMETERS[rule.action].safeParse(rule.parameters);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => `${prefix}.parameters${issue.path.map((key) => `.${String(key)}`).join('')}: ${issue.message} (for action ${rule.action})`);
    throw new AppError('invalid', problems.join('; '));
  }
  try {
    nextRuns({ pattern: rule.cron, tz: rule.timezone }, new Date(), 1);
  } catch (error) {
    if (!(error instanceof InvalidScheduleError)) throw error;
    const field = error.message.startsWith('unknown time zone') ? 'timezone' : 'cron';
    throw new AppError('invalid', `${prefix}.${field}: ${error.message}`);
  }
}

interface ScheduledRule {
  id: string;
  organization_id: string;
  cron: string;
  timezone: string;
  status: 'enabled' | 'disabled';
}

export function nextRunsOf(rule: ScheduledRule, count = 3): Date[] {
  return rule.status === 'enabled' ? nextRuns({ pattern: rule.cron, tz: rule.timezone }, new Date(), count) : [];
}

/**
 * Makes the rule's BullMQ job scheduler follow the rule: an enabled rule has one, keyed by its id
 * (upserted, so a changed cron replaces the old one), a disabled or deleted rule none. Called after
 * the rule's transaction commits; a call lost to a crash in between is repaired by the scheduler sync.
 */
export async function syncSchedule(queues: Pick<Queues, 'schedule' | 'unschedule'>, rule: ScheduledRule | { id: string; status: 'deleted' }): Promise<void> {
  if (rule.status === 'enabled') {
    await queues.schedule(schedulerIdOf(rule.id), 'automation.rule.run', { rule_id: rule.id, organization_id: rule.organization_id }, { pattern: rule.cron, tz: rule.timezone });
  } else {
    await queues.unschedule('automation', schedulerIdOf(rule.id));
  }
}
