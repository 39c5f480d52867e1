import { describe, expect, it } from 'vitest';
import { currentState, decideConvergence, type ResourceFacts } from './convergence.ts';

const t = (hhmm: string) => new Date(`2026-12-07T${hhmm}:00Z`);
const OFF = { at: t('19:00'), state: 'stopped' as const };

function facts(overrides: Partial<ResourceFacts> = {}): ResourceFacts {
  return { state: 'running', state_changed_at: t('07:10'), last_seen: t('12:00'), last_operation: null, actions: {}, ...overrides };
}

describe('decideConvergence', () => {
  it('stops a running resource after an off change, also at a later evaluation than the change', () => {
    expect(decideConvergence(OFF, facts())).toEqual({ act: 'stop' });
  });

  it('leaves a resource in the desired state, and one with no change scheduled', () => {
    expect(decideConvergence(OFF, facts({ state: 'stopped' }))).toEqual({ skip: 'in_desired_state' });
    expect(decideConvergence(null, facts())).toEqual({ skip: 'no_scheduled_change' });
  });

  it('respects a start by hand after the change, seen by discovery or done through the executor', () => {
    expect(decideConvergence(OFF, facts({ state_changed_at: t('21:00'), last_seen: t('21:30') }))).toEqual({ skip: 'changed_by_hand' });
    const stoppedThenStarted = facts({ state: 'stopped', state_changed_at: t('19:10'), last_seen: t('19:30'), last_operation: { operation: 'start', at: t('22:00') } });
    expect(currentState(stoppedThenStarted)).toEqual({ state: 'running', since: t('22:00') });
    expect(decideConvergence(OFF, stoppedThenStarted)).toEqual({ skip: 'changed_by_hand' });
  });

  it('takes the state the executor left when discovery has not looked since', () => {
    const stopped = facts({ last_operation: { operation: 'stop', at: t('19:05') } });
    expect(currentState(stopped)).toEqual({ state: 'stopped', since: t('19:05') });
    expect(decideConvergence(OFF, stopped)).toEqual({ skip: 'in_desired_state' });
    // Discovery after the operation is the newer word.
    expect(currentState(facts({ last_operation: { operation: 'stop', at: t('11:00') } })).state).toBe('running');
  });

  it('requests nothing while an action is pending, and once per scheduled change', () => {
    expect(decideConvergence(OFF, facts({ actions: { start: { latest: t('06:00'), live: true } } }))).toEqual({ skip: 'action_pending' });
    expect(decideConvergence(OFF, facts({ actions: { stop: { latest: t('19:05'), live: false } } }))).toEqual({ skip: 'already_requested' });
    expect(decideConvergence(OFF, facts({ actions: { stop: { latest: t('18:00'), live: false } } }))).toEqual({ act: 'stop' });
  });

  it('leaves states that are neither running nor stopped', () => {
    expect(decideConvergence(OFF, facts({ state: 'terminated' }))).toEqual({ skip: 'unknown_state' });
    expect(decideConvergence(OFF, facts({ state: null }))).toEqual({ skip: 'unknown_state' });
  });
});
