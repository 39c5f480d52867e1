/**
 * The recommendation lifecycle, after GCP Recommender's state machine: which transition may leave
 * which status, and where it leads. People's transitions (apply, dismiss, snooze, reopen) name
 * the etag they saw; the system's (succeed, fail, resolve, expire, wake) follow events and time.
 */
import type { RecommendationStatus } from '@stratus/db';

export const TRANSITIONS = {
  /** apply: an action was requested. */
  claim: { from: ['open'], to: 'claimed' },
  /** From failed too: on-call engineers replay a failed action, and it may succeed then. */
  succeed: { from: ['claimed', 'failed'], to: 'succeeded' },
  fail: { from: ['claimed'], to: 'failed' },
  dismiss: { from: ['open', 'snoozed'], to: 'dismissed' },
  snooze: { from: ['open', 'dismissed'], to: 'snoozed' },
  /** A failed action may be tried again, a dismissal or a snooze undone. */
  reopen: { from: ['dismissed', 'snoozed', 'failed'], to: 'open' },
  /** A snooze's date passed. */
  wake: { from: ['snoozed'], to: 'open' },
  /** The resource is gone or no longer matches the rule. A claimed one waits for its action's outcome. */
  resolve: { from: ['open', 'snoozed', 'dismissed'], to: 'resolved' },
  /** No evaluation confirmed it before expires_at. */
  expire: { from: ['open'], to: 'expired' },
} as const satisfies Record<string, { from: readonly RecommendationStatus[]; to: RecommendationStatus }>;

export type Transition = keyof typeof TRANSITIONS;

export class TransitionRefused extends Error {
  override name = 'TransitionRefused';
}

/** The status the transition leads to from `status`, or TransitionRefused naming what would be allowed. */
export function nextStatus(transition: Transition, status: RecommendationStatus): RecommendationStatus {
  const { from, to } = TRANSITIONS[transition];
  if (!(from as readonly RecommendationStatus[]).includes(status)) {
    throw new TransitionRefused(`cannot ${transition} a recommendation that is ${status}: only one that is ${from.join(' or ')}`);
  }
  return to;
}
