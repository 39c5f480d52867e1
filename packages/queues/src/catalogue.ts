import { z } from 'zod';
import type { BackoffOptions } from 'bullmq';

/**
 * Queue names are a persisted API: jobs waiting in Redis live under them, so a queue is never
 * renamed (add a new one and drain the old). PostgreSQL holds the truth; a lost job is re-enqueued
 * from its row by a reconciler.
 */
export const QUEUE_NAMES = ['operations', 'automation', 'discovery', 'notifications', 'recommendations', 'reports'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

interface JobDefinition<N extends string = string> {
  queue: QueueName;
  name: N;
  /** Validated when enqueued and again when handled; new fields are optional so queued jobs still parse. */
  schema: z.ZodType;
  attempts: number;
  /** BullMQ's 'fixed' or 'exponential', or RETRY_AFTER_BACKOFF (see worker.ts). */
  backoff: BackoffOptions;
}

/**
 * Exponential from `delay`, unless the handler failed with a RetryLaterError: then the wait the
 * other side asked for (an HTTP Retry-After).
 */
export const RETRY_AFTER_BACKOFF = 'retry-after';

/** Checks that every entry's `name` is its key, so the two can never drift apart. */
function defineJobs<const T extends { [N in keyof T]: JobDefinition<N & string> }>(jobs: T): T {
  return jobs;
}

export const JOBS = defineJobs({
  // Calls a cloud provider's API: provider throttling and eventual consistency clear up over
  // tens of seconds, so retries back off from 5 s (5, 10, 20, 40 s), each drawn down by up to half
  // so that operations throttled together do not come back together; a provider's Retry-After
  // (RetryLaterError) replaces the step.
  'operation.execute': {
    queue: 'operations',
    name: 'operation.execute',
    schema: z.object({ operation_id: z.uuid(), organization_id: z.uuid() }),
    attempts: 5,
    backoff: { type: RETRY_AFTER_BACKOFF, delay: 5_000, jitter: 0.5 },
  },
  // Expires every organisation's approval requests past their time (one job, repeated every few
  // minutes by a scheduler). Each action is checked again under a lock, so a retry or an
  // overlapping run expires nothing twice; a failed pass is caught up by the next one.
  'approvals.expire': {
    queue: 'operations',
    name: 'approvals.expire',
    schema: z.object({}),
    attempts: 3,
    backoff: { type: 'exponential', delay: 2_000 },
  },
  // Evaluates a rule and enqueues operations; failures are database hiccups, retried quickly,
  // and a run that still fails is recorded and the next cron tick tries again.
  'automation.rule.run': {
    queue: 'automation',
    name: 'automation.rule.run',
    schema: z.object({
      rule_id: z.uuid(),
      organization_id: z.uuid(),
      /** The cron tick this run is for (ISO 8601); absent for a run requested by hand. */
      scheduled_for: z.iso.datetime({ offset: true }).optional(),
    }),
    attempts: 3,
    backoff: { type: 'exponential', delay: 1_000 },
  },
  // Evaluates every organisation's off-hours schedules (one job, repeated every few minutes by a
  // scheduler) and requests the starts and stops that bring resources to their desired state. A
  // pass requests nothing twice (one request per scheduled change, none while an action is
  // pending), so a retry or an overlapping pass is harmless, and a missed pass converges at the next.
  'schedules.converge': {
    queue: 'automation',
    name: 'schedules.converge',
    schema: z.object({}),
    attempts: 3,
    backoff: { type: 'exponential', delay: 2_000 },
  },
  // Starts an execution of a scheduled workflow at its cron tick; the tick is the execution's
  // trigger key, so a redelivered job starts nothing twice.
  'workflow.trigger': {
    queue: 'automation',
    name: 'workflow.trigger',
    schema: z.object({ workflow_id: z.uuid(), organization_id: z.uuid() }),
    attempts: 3,
    backoff: { type: 'exponential', delay: 1_000 },
  },
  // Runs a workflow execution a step at a time, each step's outcome stored on the row before the
  // next begins, so a retry or a job the reconciler gives back continues where the row says. A
  // wait (a duration, an approval, an action under way) puts the job off without spending an
  // attempt. Retries cover database hiccups; a step that fails fails the execution, which can be
  // resumed from that step.
  'workflow.execution.run': {
    queue: 'automation',
    name: 'workflow.execution.run',
    schema: z.object({ execution_id: z.uuid(), organization_id: z.uuid() }),
    attempts: 3,
    backoff: { type: 'exponential', delay: 1_000 },
  },
  // Streams one account's inventory into resources. A failed sync keeps what it stored and is
  // recorded on the account; the retries cover a provider or database hiccup, and the account's
  // schedule brings the next attempt anyway.
  'account.sync': {
    queue: 'discovery',
    name: 'account.sync',
    schema: z.object({
      cloud_account_id: z.uuid(),
      organization_id: z.uuid(),
      trigger: z.enum(['schedule', 'manual']),
    }),
    attempts: 3,
    backoff: { type: 'exponential', delay: 10_000 },
  },
  // Pulls one account's cost lines for a period from its provider and publishes them as
  // cost.ingested batches; re-running it replaces the period rather than adding to it.
  'account.costs.import': {
    queue: 'discovery',
    name: 'account.costs.import',
    schema: z.object({
      cloud_account_id: z.uuid(),
      organization_id: z.uuid(),
      period: z.object({ start: z.iso.date(), end: z.iso.date() }),
    }),
    attempts: 3,
    backoff: { type: 'exponential', delay: 10_000 },
  },
  // Runs one report (on its cron tick, or by hand): reads, renders, writes to the bucket and
  // publishes report.generated. Its run is keyed by the job's id, which a retry keeps, so a retried
  // job completes the same run rather than starting another and a finished one is skipped; a run
  // that still fails is recorded as failed, and the next tick tries again.
  'report.run': {
    queue: 'reports',
    name: 'report.run',
    schema: z.object({
      report_id: z.uuid(),
      organization_id: z.uuid(),
      trigger: z.enum(['schedule', 'manual']),
    }),
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
  },
  // Sends one email or webhook announcement (a notification_deliveries row, found by the event and
  // channel). Receivers and mail servers come back within minutes: 8 attempts from 5 s span about
  // 10 minutes (5, 10, 20, ... 320 s), and a receiver's Retry-After replaces the wait it answers.
  /** Reads a Terraform state from its HTTP, s3 or azurerm backend (as `terraform state pull` does) and parses it. */
  'terraform.state.pull': {
    queue: 'discovery',
    name: 'terraform.state.pull',
    schema: z.object({ terraform_state_id: z.uuid(), organization_id: z.uuid() }),
    attempts: 3,
    backoff: { type: 'exponential', delay: 10_000 },
  },
  'notification.deliver': {
    queue: 'notifications',
    name: 'notification.deliver',
    schema: z.object({ organization_id: z.uuid(), event_id: z.uuid(), channel_key: z.string().regex(/^[a-z]+-[0-9a-f]+$/) }),
    attempts: 8,
    backoff: { type: RETRY_AFTER_BACKOFF, delay: 5_000 },
  },
  // Re-evaluates the savings rules over one account, or every account of an organisation (the daily
  // pass, which also wakes snoozes and expires what nothing confirmed). Evaluation is idempotent, so
  // a retry or an overlapping run writes nothing twice; failures are database hiccups, retried
  // quickly, and the next day's pass catches up anyway.
  'recommendations.evaluate': {
    queue: 'recommendations',
    name: 'recommendations.evaluate',
    schema: z.object({
      organization_id: z.uuid(),
      /** One account (after its costs changed); absent for the whole organisation. */
      cloud_account_id: z.uuid().optional(),
      trigger: z.enum(['schedule', 'manual', 'costs']),
    }),
    attempts: 3,
    backoff: { type: 'exponential', delay: 2_000 },
  },
});

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['schema']>;
/** The jobs whose entry names queue Q. */
export type JobNameOf<Q extends QueueName> = {
  [N in JobName]: (typeof JOBS)[N]['queue'] extends Q ? N : never;
}[JobName];

export class InvalidJobPayloadError extends Error {
  override name = 'InvalidJobPayloadError';
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}

/** The payload as the schema parses it, or an error naming the job and each failing field. */
export function parsePayload<N extends JobName>(name: N, payload: unknown): JobPayload<N> {
  const result = JOBS[name].schema.safeParse(payload);
  if (result.success) return result.data as JobPayload<N>;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`);
  throw new InvalidJobPayloadError(`invalid payload for job ${name}: ${issues.join('; ')}`);
}
