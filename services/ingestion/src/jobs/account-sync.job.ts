import { UnrecoverableError } from 'bullmq';
import { CloudCredentialsError } from '@stratus/cloud';
import { putOff, type JobHandler } from '@stratus/queues';
import { SyncInterrupted, SyncSkipped, syncAccount, type SyncDependencies } from '../modules/discovery/discovery.service.ts';

/**
 * Runs one account's discovery. A skipped sync (account gone, paused, or already syncing) is an
 * expected no-op; bad credentials are recorded on the account and not retried, since only the
 * account's owner can fix them. A sync interrupted because the service is stopping goes back to
 * the queue at once, without spending an attempt, for a replica still running.
 */
export function accountSyncJob(deps: SyncDependencies): JobHandler<'account.sync'> {
  return async ({ organization_id, cloud_account_id }, job, token, signal) => {
    try {
      const stats = await syncAccount(deps, { organization_id, cloud_account_id }, { signal });
      return { status: 'done', ...stats };
    } catch (error) {
      if (error instanceof SyncInterrupted) return await putOff(job, token, 0);
      if (error instanceof SyncSkipped) return { status: 'skipped', reason: error.message };
      if (error instanceof CloudCredentialsError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
