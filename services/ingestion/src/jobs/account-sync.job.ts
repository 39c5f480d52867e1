import { UnrecoverableError } from 'bullmq';
import { CloudCredentialsError } from '@stratus/cloud';
import type { JobHandler } from '@stratus/queues';
import { SyncSkipped, syncAccount, type SyncDependencies } from '../modules/discovery/discovery.service.ts';

/**
 * Runs one account's discovery. A skipped sync (account gone, paused, or already syncing) is an
 * expected no-op; bad credentials are recorded on the account and not retried, since only the
 * account's owner can fix them.
 */
export function accountSyncJob(deps: SyncDependencies): JobHandler<'account.sync'> {
  return async ({ organization_id, cloud_account_id }) => {
    try {
      const stats = await syncAccount(deps, { organization_id, cloud_account_id });
      return { status: 'done', ...stats };
    } catch (error) {
      if (error instanceof SyncSkipped) return { status: 'skipped', reason: error.message };
      if (error instanceof CloudCredentialsError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
