import { adapterResolver, sharedSimCloud } from '@stratus/cloud';
import type { ServiceDefinition } from '@stratus/runtime';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { cloudAccountsRoutes } from './modules/cloud-accounts/cloud-accounts.routes.ts';
import { resourcesRoutes } from './modules/resources/resources.routes.ts';
import { discoveryRoutes } from './modules/discovery/discovery.routes.ts';
import { costImportRoutes } from './modules/cost-import/cost-import.routes.ts';
import { unassignedCostsRoutes } from './modules/cost-import/unassigned-costs.routes.ts';
import { discoveryWorker } from './jobs/discovery.worker.ts';
import { discoveryScheduler } from './jobs/discovery-scheduler.ts';
import { costImportApplied } from './consumers/cost-import-applied.consumer.ts';
import { costImportRefused } from './consumers/cost-import-refused.consumer.ts';

export const service: ServiceDefinition<typeof env> = {
  name: 'ingestion',
  version: pkg.version,
  env,
  async routes(app, deps) {
    await app.register(cloudAccountsRoutes, {
      prefix: '/v1',
      keyring: deps.config.CREDENTIALS_KEYS,
      defaultAdapter: deps.config.STRATUS_CLOUD,
      outbox: deps.outbox,
    });
    await app.register(resourcesRoutes, { prefix: '/v1' });
    await app.register(discoveryRoutes, { prefix: '/v1', queues: deps.queues });
    await app.register(costImportRoutes, {
      prefix: '/v1',
      db: deps.db,
      outbox: deps.outbox,
      queues: deps.queues,
      logger: deps.logger,
      maxUploadBytes: deps.config.MAX_UPLOAD_BYTES,
      retentionMonths: deps.config.COST_RAW_RETENTION_MONTHS,
    });
    await app.register(unassignedCostsRoutes, { prefix: '/v1' });
  },
  consumers: (deps) => ({ 'cost_import.applied': costImportApplied(deps), 'cost_import.refused': costImportRefused(deps) }),
  background(deps) {
    const adapters = { adapterFor: adapterResolver(deps.config.CREDENTIALS_KEYS) };
    return [
      // First, so that every sync sees what the action executor did to simulated accounts.
      sharedSimCloud(deps.db),
      discoveryWorker(deps, adapters, deps.config.DISCOVERY_CONCURRENCY),
      discoveryScheduler(deps, deps.config.DISCOVERY_RECONCILE_MS),
    ];
  },
};
