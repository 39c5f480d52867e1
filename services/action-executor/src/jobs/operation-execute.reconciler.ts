import { sql } from 'kysely';
import { durableWork, reconcile } from '@stratus/queues';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';

/** A lost job is found within a minute; one partial-index read when nothing is unfinished. */
export const RECONCILE_INTERVAL_MS = 60_000;

/** Queued and running operations, each carried by the operation.execute job under its id. */
export function unfinishedOperations(db: ServiceDeps['db']) {
  return durableWork({
    name: 'operations',
    job: 'operation.execute',
    unfinished: async ({ after, limit }) => {
      const { rows } = await sql<{ id: string; organization_id: string }>`
        select id, organization_id from stratus_unfinished_operations(${after ?? null}::uuid, ${limit}::integer)
      `.execute(db);
      return rows;
    },
    cursorOf: (row) => row.id,
    jobOf: (row) => ({ jobId: row.id, payload: { operation_id: row.id, organization_id: row.organization_id } }),
  });
}

/**
 * Gives a queued or running operation its job back when Redis lost it (a flush, a restart without
 * persistence): at start, then every interval. The job does nothing for an operation already done.
 */
export function operationExecuteReconciler(deps: Pick<ServiceDeps, 'db' | 'queues' | 'logger'>, intervalMs = RECONCILE_INTERVAL_MS): BackgroundTask {
  const work = unfinishedOperations(deps.db);
  return periodicTask('operations reconciler', intervalMs, deps.logger, () => reconcile(deps.queues, work, { logger: deps.logger }));
}
