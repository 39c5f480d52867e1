import type { DesiredState, ScheduledChange } from './schedule-spec.ts';

/**
 * Where Cloud Custodian acts only in the exact hour of a change (a missed hour is a missed day),
 * Stratus compares, at every evaluation, what the schedule wants with what the resource is, and
 * requests the difference. Two things hold it back: an action already under way for the resource,
 * and a person: a state changed after the last scheduled change (someone started the VM in the
 * evening) stays until the next scheduled change.
 */

/** What is known of a resource when a schedule is evaluated. */
export interface ResourceFacts {
  /** resources.state as discovery last saw it, and when it changed and was seen. */
  state: string | null;
  state_changed_at: Date | null;
  last_seen: Date;
  /** The last start or stop the executor carried out on it (operations, success). */
  last_operation: { operation: 'start' | 'stop'; at: Date } | null;
  /** Per action type: the newest start/stop action requested, and whether one is still live. */
  actions: Partial<Record<'start' | 'stop', { latest: Date; live: boolean }>>;
}

export type ConvergenceDecision =
  | { act: 'start' | 'stop' }
  | { skip: 'no_scheduled_change' | 'unknown_state' | 'action_pending' | 'in_desired_state' | 'changed_by_hand' | 'already_requested' };

const STATE_AFTER = { start: 'running', stop: 'stopped' } as const;
const ACTION_TOWARDS = { running: 'start', stopped: 'stop' } as const satisfies Record<DesiredState, 'start' | 'stop'>;

/**
 * The state the resource is in and since when: discovery's, unless the executor changed it since
 * discovery last looked (resources are written by ingestion only, so an operation shows first in
 * operations).
 */
export function currentState(facts: ResourceFacts): { state: string | null; since: Date | null } {
  const operation = facts.last_operation;
  if (operation && operation.at > facts.last_seen) {
    const state = STATE_AFTER[operation.operation];
    return { state, since: state === facts.state ? facts.state_changed_at : operation.at };
  }
  return { state: facts.state, since: facts.state_changed_at };
}

export function decideConvergence(last: ScheduledChange | null, facts: ResourceFacts): ConvergenceDecision {
  if (last === null) return { skip: 'no_scheduled_change' };
  const { state, since } = currentState(facts);
  if (state !== 'running' && state !== 'stopped') return { skip: 'unknown_state' };
  if (facts.actions.start?.live || facts.actions.stop?.live) return { skip: 'action_pending' };
  if (state === last.state) return { skip: 'in_desired_state' };
  // A change after the scheduled one was not ours to undo: someone wanted it (a null time is an
  // unknown change, long ago).
  if (since !== null && since > last.at) return { skip: 'changed_by_hand' };
  const action = ACTION_TOWARDS[last.state];
  // One request per scheduled change: one the policy refused or that failed is not repeated
  // every evaluation; the next scheduled change tries again.
  const requested = facts.actions[action];
  if (requested && requested.latest >= last.at) return { skip: 'already_requested' };
  return { act: action };
}
