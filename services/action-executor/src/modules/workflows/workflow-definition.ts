import { Duration } from 'luxon';
import { z } from 'zod';
import { ACTION_TYPES } from '@stratus/db';
import { text } from '@stratus/http';
import { MatchSyntaxError, parseMatch } from '@stratus/match';
import { InvalidScheduleError, nextRuns } from '@stratus/queues';
import { PARAMETERS } from '../actions/actions.schemas.ts';
import { parsedBy } from './parsed-field.ts';

/**
 * A workflow: a trigger and steps run one at a time, in order, unless a branch jumps ahead.
 *
 * - select: the resources a match expression selects now (at most `limit`: more fails the step).
 * - require_approval: every action step after it asks approval, through the executor's policy
 *   and approvals (approvers and quorum of the organisation's policy), and waits for the answer.
 * - action: requests `action_type` on the resources of a select step (the last one before it by
 *   default) through the executor's request service; succeeds when every action has succeeded,
 *   fails when one fails, is rejected or expires.
 * - wait: an ISO 8601 duration (PT30M, P1D).
 * - notify: a notification for the organisation, or for one team (`team_id`: its members, on the
 *   channels they chose), by the audit service; `{{steps.<id>.<field>}}` and `{{trigger.<field>}}`
 *   in the title and message are replaced by those values.
 * - branch: compares a value of an earlier step's output or of the trigger with a number or text,
 *   and jumps to `then` (a later step) when it holds, to `else` (a later step, or the next one) when
 *   not. Jumps go forward only, so every execution ends.
 */

export const WORKFLOW_EVENT_TYPES = ['budget.threshold_crossed', 'recommendation.created'] as const;
export type WorkflowEventType = (typeof WORKFLOW_EVENT_TYPES)[number];

const COMPARISONS = ['=', '!=', '>', '>=', '<', '<='] as const;
export type Comparison = (typeof COMPARISONS)[number];

const stepId = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be lower case letters, digits, _ or -, starting with a letter');
/** `steps.<id>.<field>...` or `trigger.<field>...`. */
const valuePath = z.string().regex(/^(steps\.[a-z][a-z0-9_-]*|trigger)(\.[A-Za-z0-9_]+)+$/, 'must be steps.<step id>.<field> or trigger.<field>');
const operand = z.union([z.number(), text({ max: 500 })]);

const matchField = parsedBy(parseMatch, MatchSyntaxError);

const steps = {
  select: z.object({
    id: stepId,
    type: z.literal('select'),
    match: matchField,
    limit: z.number().int().min(1).max(10_000).default(1_000).describe('the most resources the step may select; more fails it'),
  }),
  require_approval: z.object({ id: stepId, type: z.literal('require_approval') }),
  action: z.object({
    id: stepId,
    type: z.literal('action'),
    action_type: z.enum(ACTION_TYPES),
    parameters: z.record(z.string(), z.unknown()).default({}),
    resources: stepId.optional().describe('the select step whose resources it acts on; the last select step before it by default'),
  }),
  wait: z.object({
    id: stepId,
    type: z.literal('wait'),
    duration: text({ max: 40 }).refine((value) => {
      const duration = Duration.fromISO(value);
      return duration.isValid && duration.as('milliseconds') > 0 && duration.as('days') <= 30;
    }, 'must be an ISO 8601 duration from PT1S to P30D, e.g. PT30M'),
  }),
  notify: z.object({
    id: stepId,
    type: z.literal('notify'),
    title: text({ min: 1, max: 255 }),
    message: text({ min: 1, max: 2_000 }),
    team_id: z.uuid().optional().describe('the team told (its members, on the channels they chose); the whole organisation when left out'),
  }),
  branch: z.object({
    id: stepId,
    type: z.literal('branch'),
    when: z.object({ value: valuePath, op: z.enum(COMPARISONS), than: operand }).strict(),
    then: stepId,
    else: stepId.optional(),
  }),
};

const step = z.discriminatedUnion('type', [steps.select, steps.require_approval, steps.action, steps.wait, steps.notify, steps.branch]);
export type WorkflowStep = z.output<typeof step>;

const filterValue = z.union([operand, z.boolean(), z.object({ op: z.enum(COMPARISONS), than: operand }).strict()]);

const trigger = z.discriminatedUnion('type', [
  z.object({ type: z.literal('manual') }).strict(),
  z
    .object({ type: z.literal('scheduled'), cron: text({ min: 1, max: 120 }), timezone: text({ min: 1, max: 64 }).default('UTC') })
    .strict()
    .superRefine((value, ctx) => {
      try {
        nextRuns({ pattern: value.cron, tz: value.timezone }, new Date(), 1);
      } catch (error) {
        if (!(error instanceof InvalidScheduleError)) throw error;
        ctx.addIssue({ code: 'custom', path: ['cron'], message: error.message, input: value.cron });
      }
    }),
  z
    .object({
      type: z.literal('event-based'),
      event_type: z.enum(WORKFLOW_EVENT_TYPES),
      filter: z.record(text({ min: 1, max: 200 }), filterValue).default({}).describe('fields of the event data (dot paths) and the value or comparison each must satisfy'),
    })
    .strict(),
]);
export type WorkflowTrigger = z.output<typeof trigger>;

/** Checks what one step alone cannot: unique ids, forward jumps, parameters, a select step to act on. */
function checkSteps(list: WorkflowStep[], ctx: z.RefinementCtx): void {
  const index = new Map<string, number>();
  list.forEach((entry, position) => {
    if (index.has(entry.id)) ctx.addIssue({ code: 'custom', path: ['steps', position, 'id'], message: `"${entry.id}" is the id of step ${index.get(entry.id)} already` });
    else index.set(entry.id, position);
  });
  const laterStep = (target: string, position: number, field: string) => {
    const at = index.get(target);
    if (at === undefined) ctx.addIssue({ code: 'custom', path: ['steps', position, field], message: `no step has the id "${target}"` });
    else if (at <= position) ctx.addIssue({ code: 'custom', path: ['steps', position, field], message: `"${target}" is not after this step: branches jump forward only` });
  };
  list.forEach((entry, position) => {
    if (entry.type === 'branch') {
      laterStep(entry.then, position, 'then');
      if (entry.else !== undefined) laterStep(entry.else, position, 'else');
      const source = /^steps\.([^.]+)\./.exec(entry.when.value)?.[1];
      if (source !== undefined && !((index.get(source) ?? Infinity) < position)) {
        ctx.addIssue({ code: 'custom', path: ['steps', position, 'when', 'value'], message: `"${source}" is not a step before this one` });
      }
    }
    if (entry.type === 'action') {
      const checked = PARAMETERS[entry.action_type].safeParse(entry.parameters);
      for (const issue of checked.error?.issues ?? []) ctx.addIssue({ code: 'custom', path: ['steps', position, 'parameters', ...issue.path], message: issue.message });
      const source = entry.resources ?? list.slice(0, position).findLast((candidate) => candidate.type === 'select')?.id;
      const at = source === undefined ? undefined : index.get(source);
      if (source === undefined) ctx.addIssue({ code: 'custom', path: ['steps', position], message: 'no select step before this action: name one in resources' });
      else if (at === undefined || at >= position || list[at]!.type !== 'select') {
        ctx.addIssue({ code: 'custom', path: ['steps', position, 'resources'], message: `"${source}" is not a select step before this one` });
      }
    }
  });
}

export const workflowDefinition = z
  .object({
    trigger: trigger.default({ type: 'manual' }),
    steps: z.array(step).min(1).max(50),
  })
  .strict()
  // Zod runs a refinement over input whose steps did not all parse: the checks across steps only
  // read steps that did.
  .superRefine((definition, ctx) => {
    if (z.array(step).safeParse(definition.steps).success) checkSteps(definition.steps, ctx);
  });

export type WorkflowDefinition = z.output<typeof workflowDefinition>;

/** The select step whose resources an action step acts on (checked to exist when stored). */
export function resourcesStepOf(definition: WorkflowDefinition, action: Extract<WorkflowStep, { type: 'action' }>): string {
  const position = definition.steps.indexOf(action);
  return action.resources ?? definition.steps.slice(0, position).findLast((candidate) => candidate.type === 'select')!.id;
}
