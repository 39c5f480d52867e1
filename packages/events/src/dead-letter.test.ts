import { describe, expect, it } from 'vitest';
import { selectDeadLetters, type DeadLetter } from './dead-letter.ts';

function letter(fields: Partial<DeadLetter>): DeadLetter {
  return {
    topic: 'cost.ingested.dlq',
    partition: 0,
    offset: '0',
    key: null,
    value: null,
    headers: {},
    reason: 'handler_failed',
    error: 'boom',
    consumerGroup: 'stratus-cost',
    originalTopic: 'cost.ingested',
    originalPartition: 0,
    originalOffset: '0',
    failedAt: '2026-11-29T00:00:00.000Z',
    eventId: undefined,
    ...fields,
  };
}

describe('selectDeadLetters', () => {
  const a = letter({ eventId: 'a', reason: 'handler_failed', consumerGroup: 'stratus-cost' });
  const b = letter({ eventId: 'b', reason: 'invalid_data', consumerGroup: 'stratus-cost' });
  const c = letter({ eventId: 'c', reason: 'handler_failed', consumerGroup: 'stratus-audit' });
  const unparsable = letter({ reason: 'invalid_envelope' });
  const letters = [a, b, c, unparsable];

  it('selects every letter when no criterion is given', () => {
    expect(letters.filter(selectDeadLetters({}))).toEqual(letters);
  });

  it('requires every criterion given', () => {
    expect(letters.filter(selectDeadLetters({ reason: 'handler_failed' }))).toEqual([a, c]);
    expect(letters.filter(selectDeadLetters({ reason: 'handler_failed', consumerGroup: 'stratus-audit' }))).toEqual([c]);
    expect(letters.filter(selectDeadLetters({ eventIds: ['a', 'b'], reason: 'invalid_data' }))).toEqual([b]);
  });

  it('matches event ids exactly, and never a letter that has none', () => {
    expect(letters.filter(selectDeadLetters({ eventIds: ['c', 'missing'] }))).toEqual([c]);
    expect(letters.filter(selectDeadLetters({ eventIds: [] }))).toEqual([]);
  });
});
