import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { withTenant, type Database } from '@stratus/db';
import { matchResources, parseMatch } from '@stratus/match';
import type { Queues } from '@stratus/queues';
import { enqueueOperations, LIVE_STATUSES } from '../actions/actions.service.ts';
import { recordActionRequest } from '../actions/requests.service.ts';
import { enabledSchedules } from './schedules.repository.ts';
import { decideConvergence, type ConvergenceDecision, type ResourceFacts } from './convergence.ts';
import { lastScheduledChange, parseScheduleSpec, withHolidays, type ScheduleSpec } from './schedule-spec.ts';

type Trx = Transaction<Database>;

/** The tag that gives a resource its own schedule; it wins over every named schedule. */
export const SCHEDULE_TAG = 'stratus:schedule';
/** Resources read per query when gathering what is known of them. */
const BATCH = 1_000;

export type ScheduleSource = { kind: 'tag' } | { kind: 'schedule'; schedule_id: string; name: string };

interface Assignment {
  spec: ScheduleSpec;
  source: ScheduleSource;
}

export interface ConvergenceReport {
  organization_id: string;
  evaluated: number;
  requested: { resource_id: string; action_type: 'start' | 'stop'; action_id: string; outcome: string; source: ScheduleSource }[];
  skipped: Partial<Record<Extract<ConvergenceDecision, { skip: string }>['skip'], number>>;
  /** Resources whose tag does not parse, with the error: left alone. */
  invalid: { resource_id: string; error: string }[];
}

/**
 * Which schedule each resource follows: its own tag first, then the enabled named schedules by
 * name (the first whose match selects it). A named schedule whose match no longer parses is
 * skipped; the API refuses to store one.
 */
async function assignments(trx: Trx, organizationId: string, report: ConvergenceReport): Promise<Map<string, Assignment>> {
  const assigned = new Map<string, Assignment>();
  const tagged = await trx
    .selectFrom('resources')
    .select(['id', sql<string>`tags ->> ${SCHEDULE_TAG}`.as('spec')])
    .where(sql<boolean>`tags ? ${SCHEDULE_TAG}`)
    .execute();
  for (const row of tagged) {
    try {
      assigned.set(row.id, { spec: parseScheduleSpec(row.spec), source: { kind: 'tag' } });
    } catch (error) {
      report.invalid.push({ resource_id: row.id, error: `tag ${SCHEDULE_TAG}: ${(error as Error).message}` });
    }
  }
  const invalidTags = new Set(report.invalid.map((entry) => entry.resource_id));
  for (const schedule of await enabledSchedules(trx)) {
    const spec = withHolidays(parseScheduleSpec(schedule.spec), schedule.holidays);
    const match = parseMatch(schedule.match);
    let after: string | undefined;
    do {
      const page = await matchResources(trx, organizationId, match, { limit: BATCH, after });
      for (const resource of page.resources) {
        if (assigned.has(resource.id) || invalidTags.has(resource.id)) continue;
        assigned.set(resource.id, { spec, source: { kind: 'schedule', schedule_id: schedule.id, name: schedule.name } });
      }
      after = page.next ?? undefined;
    } while (after !== undefined);
  }
  return assigned;
}

/** What is known of each resource: its row, the executor's last start/stop, its start/stop actions. */
async function factsOf(trx: Trx, ids: string[]): Promise<Map<string, ResourceFacts>> {
  const [resources, operations, actions] = await Promise.all([
    trx.selectFrom('resources').select(['id', 'state', 'state_changed_at', 'last_seen']).where('id', 'in', ids).execute(),
    trx
      .selectFrom('operations')
      .distinctOn('resource_id')
      .select(['resource_id', 'operation', 'updated_at'])
      .where('resource_id', 'in', ids)
      .where('status', '=', 'success')
      .where('operation', 'in', ['start', 'stop'])
      .orderBy('resource_id')
      .orderBy('updated_at', 'desc')
      .execute(),
    trx
      .selectFrom('actions')
      .select(['resource_id', 'action_type', (eb) => eb.fn.max('created_at').as('latest'), sql<boolean>`bool_or(status in (${sql.join([...LIVE_STATUSES])}))`.as('live')])
      .where('resource_id', 'in', ids)
      .where('action_type', 'in', ['start', 'stop'])
      .groupBy(['resource_id', 'action_type'])
      .execute(),
  ]);
  const facts = new Map<string, ResourceFacts>();
  for (const row of resources) {
    facts.set(row.id, { state: row.state, state_changed_at: row.state_changed_at, last_seen: row.last_seen, last_operation: null, actions: {} });
  }
  for (const row of operations) {
    const entry = row.resource_id === null ? undefined : facts.get(row.resource_id);
    if (entry) entry.last_operation = { operation: row.operation as 'start' | 'stop', at: row.updated_at };
  }
  for (const row of actions) {
    const entry = row.resource_id === null ? undefined : facts.get(row.resource_id);
    if (entry) entry.actions[row.action_type as 'start' | 'stop'] = { latest: row.latest, live: row.live };
  }
  return facts;
}

/**
 * One evaluation of an organisation's schedules at `now`: each scheduled resource whose state
 * differs from the desired one gets a start or stop requested through the executor's request
 * service (policy and approvals apply as for any request). Returns the operations to enqueue once
 * the transaction commits.
 */
export async function convergeOrganization(trx: Trx, organizationId: string, now: Date): Promise<{ report: ConvergenceReport; operation_ids: string[] }> {
  // Two passes at once (the job and POST /v1/schedules/converge) would each see no pending action
  // and request twice: one pass per organisation at a time.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`schedules:${organizationId}`}, 0))`.execute(trx);
  const report: ConvergenceReport = { organization_id: organizationId, evaluated: 0, requested: [], skipped: {}, invalid: [] };
  const operationIds: string[] = [];
  const assigned = await assignments(trx, organizationId, report);
  const ids = [...assigned.keys()];
  for (let start = 0; start < ids.length; start += BATCH) {
    const facts = await factsOf(trx, ids.slice(start, start + BATCH));
    for (const [resourceId, fact] of facts) {
      const { spec, source } = assigned.get(resourceId)!;
      report.evaluated += 1;
      const decision = decideConvergence(lastScheduledChange(spec, now), fact);
      if ('skip' in decision) {
        report.skipped[decision.skip] = (report.skipped[decision.skip] ?? 0) + 1;
        continue;
      }
      const actionId = randomUUID();
      const outcome = await recordActionRequest(trx, {
        organization_id: organizationId,
        action_id: actionId,
        action_type: decision.act,
        resource_id: resourceId,
        parameters: {},
        requested_by: null,
        recommendation_id: null,
        requires_approval: false,
      });
      if (!outcome.recorded) continue;
      operationIds.push(...outcome.operation_ids);
      report.requested.push({ resource_id: resourceId, action_type: decision.act, action_id: actionId, outcome: outcome.decision.outcome, source });
    }
  }
  return { report, operation_ids: operationIds };
}

/** Evaluates every organisation that has an enabled schedule or a tagged resource, each in its own transaction. */
export async function convergeSchedules(db: Kysely<Database>, queues: Pick<Queues, 'enqueue' | 'enqueueMany'>, now: Date): Promise<ConvergenceReport[]> {
  const { rows } = await sql<{ organization_id: string }>`select organization_id from stratus_scheduled_organizations()`.execute(db);
  const reports: ConvergenceReport[] = [];
  for (const { organization_id } of rows) {
    const { report, operation_ids } = await withTenant(db, organization_id, (trx) => convergeOrganization(trx, organization_id, now));
    await enqueueOperations(queues, organization_id, operation_ids);
    reports.push(report);
  }
  return reports;
}
