import { sql } from 'kysely';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';

const SCHEDULER_PREFIX = 'account-sync-';
const PULL_PREFIX = 'terraform-pull-';

export const schedulerIdOf = (cloudAccountId: string) => `${SCHEDULER_PREFIX}${cloudAccountId}`;
export const pullSchedulerIdOf = (terraformStateId: string) => `${PULL_PREFIX}${terraformStateId}`;

/**
 * Keeps one BullMQ job scheduler per active cloud account, at the account's sync interval, and
 * none for unlinked or disabled ones; and one per Terraform state with a backend (HTTP, s3 or azurerm), at its pull interval. PostgreSQL is the truth: each pass rebuilds the schedules from
 * it, so a link, an interval change, an unlink or a flushed Redis is picked up within one pass.
 * Every replica may run it; the upserts are idempotent.
 */
export async function reconcileSchedules(deps: Pick<ServiceDeps, 'db' | 'queues'>): Promise<{ scheduled: number; removed: number }> {
  const { rows } = await sql<{ cloud_account_id: string; organization_id: string; sync_interval_minutes: number }>`
    select cloud_account_id, organization_id, sync_interval_minutes from stratus_discovery_schedules()
  `.execute(deps.db);
  const wanted = new Set<string>();
  for (const row of rows) {
    const id = schedulerIdOf(row.cloud_account_id);
    wanted.add(id);
    await deps.queues.schedule(
      id,
      'account.sync',
      { cloud_account_id: row.cloud_account_id, organization_id: row.organization_id, trigger: 'schedule' },
      { everyMs: row.sync_interval_minutes * 60_000 },
    );
  }
  const { rows: pulls } = await sql<{ terraform_state_id: string; organization_id: string; pull_interval_minutes: number }>`
    select terraform_state_id, organization_id, pull_interval_minutes from stratus_terraform_pull_schedules()
  `.execute(deps.db);
  for (const row of pulls) {
    const id = pullSchedulerIdOf(row.terraform_state_id);
    wanted.add(id);
    await deps.queues.schedule(
      id,
      'terraform.state.pull',
      { terraform_state_id: row.terraform_state_id, organization_id: row.organization_id },
      { everyMs: row.pull_interval_minutes * 60_000 },
    );
  }
  let removed = 0;
  for (const id of await deps.queues.schedulerIds('discovery')) {
    if ((id.startsWith(SCHEDULER_PREFIX) || id.startsWith(PULL_PREFIX)) && !wanted.has(id)) {
      await deps.queues.unschedule('discovery', id);
      removed += 1;
    }
  }
  return { scheduled: wanted.size, removed };
}

export function discoveryScheduler(deps: ServiceDeps, intervalMs: number): BackgroundTask {
  return periodicTask('discovery scheduler', intervalMs, deps.logger, () => reconcileSchedules(deps));
}
