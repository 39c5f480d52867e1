import { describe, expect, it } from 'vitest';
import { outlivedBy } from './event-retention.ts';

const days = (n: number) => n * 86_400_000;

describe('outlivedBy', () => {
  it('finds the topic whose messages stay readable at least as long as processed ids are kept', () => {
    const topics = [
      { topic: 'cost.ingested', readableMs: days(14) },
      { topic: 'cost.ingested.dlq', readableMs: days(37) },
    ];
    expect(outlivedBy(45, topics)).toBeUndefined();
    expect(outlivedBy(37, topics)).toEqual(topics[1]);
    expect(outlivedBy(20, topics)).toEqual(topics[1]);
  });

  it('treats a topic kept for ever as outliving any retention', () => {
    expect(outlivedBy(10_000, [{ topic: 'audit', readableMs: Number.POSITIVE_INFINITY }])?.topic).toBe('audit');
  });
});
