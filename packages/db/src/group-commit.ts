/**
 * Coalesces concurrent calls into batches, each committed by one call of `commit` (one statement
 * or transaction for many rows): a caller awaits the commit of the batch that holds its item.
 * While a batch commits, the calls that arrive wait and form the next one, so a batch is as large
 * as the load makes it and an idle caller waits for no timer, only for the end of the current tick.
 *
 * `commit` answers each item in order. A batch it fails is committed again one item at a time,
 * so that a bad item fails alone and the others go through: `commit` must therefore leave nothing
 * behind when it throws (one transaction), and be right to run again for the same items.
 */
export function groupCommit<In, Out>(commit: (items: In[]) => Promise<Out[]>, { maxItems = 100 }: { maxItems?: number } = {}): (item: In) => Promise<Out> {
  interface Waiter {
    item: In;
    resolve(out: Out): void;
    reject(error: unknown): void;
  }
  let pending: Waiter[] = [];
  let draining = false;

  async function settle(batch: Waiter[]): Promise<void> {
    try {
      const outs = await commit(batch.map((waiter) => waiter.item));
      batch.forEach((waiter, index) => waiter.resolve(outs[index]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const waiter of batch) {
        try {
          waiter.resolve((await commit([waiter.item]))[0]!);
        } catch (alone) {
          waiter.reject(alone);
        }
      }
    }
  }

  async function drain(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.slice(0, maxItems);
      pending = pending.slice(maxItems);
      await settle(batch);
    }
    draining = false;
  }

  return (item) =>
    new Promise<Out>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (draining) return;
      draining = true;
      setImmediate(() => void drain());
    });
}

/**
 * groupCommit with a batch per key: calls of different keys never share a batch (a tenant's
 * transaction, set per organisation, holds one organisation's rows only).
 */
export function groupCommitBy<In, Out>(
  keyOf: (item: In) => string,
  commit: (key: string, items: In[]) => Promise<Out[]>,
  options: { maxItems?: number } = {},
): (item: In) => Promise<Out> {
  const batchers = new Map<string, (item: In) => Promise<Out>>();
  return (item) => {
    const key = keyOf(item);
    let batcher = batchers.get(key);
    if (!batcher) {
      batcher = groupCommit((items: In[]) => commit(key, items), options);
      batchers.set(key, batcher);
    }
    return batcher(item);
  };
}
