import type { Worker } from 'bullmq';
import { createWorker } from '@stratus/queues';
import type { BackgroundTask, ServiceDeps } from '@stratus/runtime';
import type { SyncDependencies } from '../modules/discovery/discovery.service.ts';
import { accountCostsImportJob } from './account-costs-import.job.ts';
import { accountSyncJob } from './account-sync.job.ts';
import { terraformStatePullJob } from './terraform-state-pull.job.ts';
import type { TerraformPullDeps } from '../modules/terraform/terraform.service.ts';

/** Drains the discovery queue: account syncs, provider cost pulls and Terraform state pulls. */
export function discoveryWorker(
  deps: Pick<ServiceDeps, 'db' | 'outbox' | 'logger' | 'redis'> & { config: Pick<ServiceDeps['config'], 'REDIS_PREFIX'> },
  adapters: Pick<SyncDependencies, 'adapterFor'>,
  terraform: Pick<TerraformPullDeps, 'keyring' | 'maxBytes' | 'allowedNetworks'>,
  concurrency: number,
): BackgroundTask {
  let worker: Worker | undefined;
  const jobDeps = { db: deps.db, outbox: deps.outbox, logger: deps.logger, adapterFor: adapters.adapterFor };
  return {
    name: 'discovery worker',
    async start() {
      worker = createWorker({
        queue: 'discovery',
        connection: deps.redis,
        prefix: deps.config.REDIS_PREFIX,
        concurrency,
        logger: deps.logger,
        handlers: {
          'account.sync': accountSyncJob(jobDeps),
          'account.costs.import': accountCostsImportJob(jobDeps),
          'terraform.state.pull': terraformStatePullJob({ ...terraform, db: deps.db, outbox: deps.outbox }),
        },
      });
    },
    async stop() {
      // A sync of a large account runs for minutes: rather than hold the shutdown (and be killed
      // at the end of the grace period), it stops at its next batch and goes back to the queue.
      worker?.cancelAllJobs('the service is stopping');
      await worker?.close();
    },
  };
}
