import { RECOMMENDATION_STATUSES } from '@stratus/db';
import { describe, expect, it } from 'vitest';
import { nextStatus, TransitionRefused, TRANSITIONS, type Transition } from './lifecycle.ts';

describe('the recommendation lifecycle', () => {
  it.each([
    ['claim', 'open', 'claimed'],
    ['succeed', 'claimed', 'succeeded'],
    ['succeed', 'failed', 'succeeded'],
    ['fail', 'claimed', 'failed'],
    ['dismiss', 'open', 'dismissed'],
    ['dismiss', 'snoozed', 'dismissed'],
    ['snooze', 'open', 'snoozed'],
    ['reopen', 'dismissed', 'open'],
    ['reopen', 'snoozed', 'open'],
    ['reopen', 'failed', 'open'],
    ['wake', 'snoozed', 'open'],
    ['resolve', 'dismissed', 'resolved'],
    ['expire', 'open', 'expired'],
  ] as const)('%s takes %s to %s', (transition, from, to) => {
    expect(nextStatus(transition, from)).toBe(to);
  });

  it('refuses every other pair, saying what the transition needs', () => {
    expect(() => nextStatus('dismiss', 'claimed')).toThrow(new TransitionRefused('cannot dismiss a recommendation that is claimed: only one that is open or snoozed'));
    let refused = 0;
    for (const transition of Object.keys(TRANSITIONS) as Transition[]) {
      for (const status of RECOMMENDATION_STATUSES) {
        if ((TRANSITIONS[transition].from as readonly string[]).includes(status)) continue;
        expect(() => nextStatus(transition, status)).toThrow(TransitionRefused);
        refused += 1;
      }
    }
    expect(refused).toBe(9 * 8 - 16);
  });

  it('never leaves succeeded, resolved or expired: they are history', () => {
    for (const status of ['succeeded', 'resolved', 'expired'] as const) {
      for (const transition of Object.keys(TRANSITIONS) as Transition[]) expect(() => nextStatus(transition, status)).toThrow(TransitionRefused);
    }
  });
});
