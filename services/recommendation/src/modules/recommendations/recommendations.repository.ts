/**
 * Writes of recommendations, each with its history row and its event in the same transaction:
 * a recommendation never changes without a trace, and its events are published if and only if
 * the change commits (outbox).
 */
import { sql, type Transaction } from 'kysely';
import { jsonRows, LIVE_RECOMMENDATION_STATUSES, probeEach, type Database, type JsonObject, type RecommendationStatus } from '@stratus/db';
import type { PublishManyItem } from '@stratus/events';
import { outbox, createdEvent, resolvedEvent, updatedEvent, type RecommendationRow } from './recommendation-events.ts';

export type Trx = Transaction<Database>;

/** A recommendation no evaluation confirmed for this long expires (the daily evaluation confirms the others). */
export const EXPIRES_AFTER_MS = 7 * 86_400_000;

/** Every field of a proposal is a column it sets; a field added to Proposal must be listed here to compile. */
const PROPOSED: Record<keyof Proposal, true> = {
  organization_id: true,
  subject_id: true,
  resource_id: true,
  cloud_account_id: true,
  provider: true,
  recommendation_type: true,
  title: true,
  reason: true,
  priority: true,
  estimated_savings: true,
  currency: true,
  details: true,
  fingerprint: true,
};
const PROPOSED_COLUMNS = Object.keys(PROPOSED) as (keyof Proposal)[];

/** What an evaluation computed for one subject and rule. */
export interface Proposal {
  organization_id: string;
  subject_id: string;
  resource_id: string | null;
  cloud_account_id: string;
  provider: RecommendationRow['provider'];
  recommendation_type: string;
  title: string;
  reason: string;
  priority: number;
  estimated_savings: string | null;
  currency: string | null;
  details: JsonObject;
  fingerprint: string;
}

export interface HistoryEntry {
  change: string;
  from: RecommendationStatus | null;
  userId?: string | null;
  details?: JsonObject;
}

/** The live recommendations of these subjects, each subject one probe of the live index (probeEach). */
export async function liveOf(trx: Trx, subjectIds: readonly string[]): Promise<RecommendationRow[]> {
  return probeEach(trx, subjectIds, (subject) =>
    trx.selectFrom('recommendations').selectAll().where('subject_id', '=', subject).where('status', 'in', LIVE_RECOMMENDATION_STATUSES),
  );
}

async function recordHistory(trx: Trx, rows: readonly { row: RecommendationRow; entry: HistoryEntry }[]): Promise<void> {
  if (rows.length === 0) return;
  const history = rows.map(({ row, entry }) => ({
    organization_id: row.organization_id,
    recommendation_id: row.id,
    change: entry.change,
    from_status: entry.from,
    to_status: row.status,
    version: row.version,
    user_id: entry.userId ?? null,
    details: entry.details ?? {},
  }));
  const columns = ['organization_id', 'recommendation_id', 'change', 'from_status', 'to_status', 'version', 'user_id', 'details'] as const;
  await trx
    .insertInto('recommendation_history')
    .columns(columns)
    .expression((eb) => eb.selectFrom(jsonRows('recommendation_history', history).as('h')).select(columns.map((column) => `h.${column}` as const)))
    .execute();
}

async function announce(trx: Trx, events: readonly PublishManyItem[]): Promise<void> {
  if (events.length > 0) await outbox.publishMany(trx, events);
}

/**
 * Inserts new open recommendations. One that another evaluation inserted meanwhile (same subject
 * and rule, still live) is skipped: that evaluation records and announces it.
 */
export async function insertProposals(trx: Trx, proposals: readonly Proposal[], now: Date): Promise<RecommendationRow[]> {
  if (proposals.length === 0) return [];
  const expiresAt = new Date(now.getTime() + EXPIRES_AFTER_MS);
  const columns = [...PROPOSED_COLUMNS, 'evaluated_at' as const, 'expires_at' as const];
  // One JSON parameter for the run's proposals, not fifteen per row (jsonRows).
  const rows = await trx
    .insertInto('recommendations')
    .columns(columns)
    .expression((eb) =>
      eb
        .selectFrom(jsonRows('recommendations', proposals.map((proposal) => ({ ...proposal, evaluated_at: now, expires_at: expiresAt }))).as('p'))
        .select(columns.map((column) => `p.${column}` as const)),
    )
    .onConflict((conflict) =>
      conflict.columns(['organization_id', 'subject_id', 'recommendation_type']).where('status', 'in', LIVE_RECOMMENDATION_STATUSES).doNothing(),
    )
    .returningAll()
    .execute();
  await recordHistory(trx, rows.map((row) => ({ row, entry: { change: 'created', from: null } })));
  await announce(trx, rows.map(createdEvent));
  return rows;
}

/** New evidence for a live recommendation: updated in place, its status kept. False if it changed meanwhile. */
export async function updateProposal(trx: Trx, current: RecommendationRow, proposal: Proposal, now: Date): Promise<boolean> {
  const row = await trx
    .updateTable('recommendations')
    .set({
      title: proposal.title,
      reason: proposal.reason,
      priority: proposal.priority,
      estimated_savings: proposal.estimated_savings,
      currency: proposal.currency,
      details: JSON.stringify(proposal.details),
      fingerprint: proposal.fingerprint,
      version: sql<number>`version + 1`,
      evaluated_at: now,
      expires_at: new Date(now.getTime() + EXPIRES_AFTER_MS),
    })
    .where('id', '=', current.id)
    .where('version', '=', current.version)
    .returningAll()
    .executeTakeFirst();
  if (!row) return false;
  await recordHistory(trx, [{ row, entry: { change: 'updated', from: current.status, details: { previous: { estimated_savings: current.estimated_savings, fingerprint: current.fingerprint } } } }]);
  await announce(trx, [updatedEvent(row, 'evidence')]);
  return true;
}

/** Stamps unchanged recommendations as confirmed, pushing their expiry back; no new version, no event. */
export async function confirm(trx: Trx, ids: readonly string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable('recommendations')
    .set({ evaluated_at: now, expires_at: new Date(now.getTime() + EXPIRES_AFTER_MS) })
    .where('id', 'in', ids)
    .execute();
}

/**
 * Resolves or expires recommendations the system found no longer apply, those still in a status
 * the transition leaves; returns how many it moved.
 */
export async function retire(
  trx: Trx,
  ids: readonly string[],
  to: 'resolved' | 'expired',
  reason: string,
): Promise<number> {
  if (ids.length === 0) return 0;
  const from: RecommendationStatus[] = to === 'resolved' ? ['open', 'snoozed', 'dismissed'] : ['open'];
  const { rows } = await sql<RecommendationRow & { previous_status: RecommendationStatus }>`
    update recommendations r
       set status = ${to}::recommendation_status, version = r.version + 1, state_metadata = ${JSON.stringify({ reason })}::jsonb
      from recommendations before
     where r.id = before.id and r.id = any(${ids}::uuid[]) and r.status = any(${from}::recommendation_status[])
    returning r.*, before.status as previous_status
  `.execute(trx);
  await recordHistory(trx, rows.map((row) => ({ row, entry: { change: to === 'resolved' ? 'resolve' : 'expire', from: row.previous_status, details: { reason } } })));
  await announce(trx, rows.map((row) => resolvedEvent({ ...row, status: to }, reason)));
  return rows.length;
}

/** Writes one transition of one recommendation (already checked and locked by the caller). */
export async function writeTransition(
  trx: Trx,
  current: RecommendationRow,
  change: string,
  to: RecommendationStatus,
  options: { userId?: string | null; metadata?: JsonObject; snoozedUntil?: Date | null } = {},
): Promise<RecommendationRow> {
  const row = await trx
    .updateTable('recommendations')
    .set({
      status: to,
      version: sql<number>`version + 1`,
      state_metadata: JSON.stringify(options.metadata ?? {}),
      snoozed_until: options.snoozedUntil ?? null,
      ...(options.userId === undefined ? {} : { user_id: options.userId }),
    })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordHistory(trx, [{ row, entry: { change, from: current.status, userId: options.userId ?? null, details: options.metadata ?? {} } }]);
  await announce(trx, [updatedEvent(row, change, current.status)]);
  return row;
}
