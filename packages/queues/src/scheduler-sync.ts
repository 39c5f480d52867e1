/** What one pass over a kind of scheduled object found and did. */
export interface SchedulerSyncResult {
  enabled: number;
  /** Enabled objects whose scheduler Redis had lost, put back. */
  restored: number;
  /** Schedulers of objects deleted or disabled while Redis missed the removal, removed. */
  removed: number;
}

export interface ScheduledObjects<Row extends { id: string }> {
  /** The ids of the objects that have a scheduler in Redis now. */
  scheduled: readonly string[];
  /** A page of enabled objects after `after` (by id), `pageSize` at most. */
  page(after: string | null, pageSize: number): Promise<Row[]>;
  /** Upserts the object's scheduler: idempotent, so a pass on each replica at once is harmless. */
  schedule(row: Row): Promise<void>;
  unschedule(id: string): Promise<void>;
}

const PAGE_SIZE = 500;

/**
 * One pass that makes Redis's schedulers follow the database: every enabled object gets its
 * scheduler (an object edited in between keeps its latest cron), and schedulers nothing enabled
 * names any more are removed. Redis may lose schedulers (a flush, a restart without persistence).
 */
export async function syncSchedulers<Row extends { id: string }>(objects: ScheduledObjects<Row>): Promise<SchedulerSyncResult> {
  const existing = new Set(objects.scheduled);
  const enabled = new Set<string>();
  let restored = 0;
  let after: string | null = null;
  for (;;) {
    const rows = await objects.page(after, PAGE_SIZE);
    for (const row of rows) {
      enabled.add(row.id);
      if (!existing.has(row.id)) restored += 1;
      await objects.schedule(row);
    }
    if (rows.length < PAGE_SIZE) break;
    after = rows.at(-1)!.id;
  }
  const stale = [...existing].filter((id) => !enabled.has(id));
  for (const id of stale) await objects.unschedule(id);
  return { enabled: enabled.size, restored, removed: stale.length };
}
