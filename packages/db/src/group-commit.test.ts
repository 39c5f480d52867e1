import { describe, expect, it } from 'vitest';
import { groupCommit } from './group-commit.ts';

describe('groupCommit', () => {
  it('commits the calls of one tick together, and those that arrive meanwhile in the next batch', async () => {
    const batches: number[][] = [];
    const submit = groupCommit(async (items: number[]) => {
      batches.push(items);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return items.map((item) => item * 10);
    });
    const first = [1, 2, 3].map(submit);
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map(submit);
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('keeps a batch within maxItems', async () => {
    const batches: number[][] = [];
    const submit = groupCommit(async (items: number[]) => (batches.push(items), items), { maxItems: 2 });
    await Promise.all([1, 2, 3, 4, 5].map(submit));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('commits a failed batch again one item at a time, so that only the bad item fails', async () => {
    const batches: number[][] = [];
    const submit = groupCommit(async (items: number[]) => {
      batches.push(items);
      if (items.includes(2)) throw new Error('item 2 is bad');
      return items;
    });
    const results = await Promise.allSettled([1, 2, 3].map(submit));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'item 2 is bad' });
    expect(batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});
