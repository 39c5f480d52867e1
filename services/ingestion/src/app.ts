import { adapterResolver, sharedSimCloud } from '@stratus/cloud';
import type { ServiceDefinition } from '@stratus/runtime';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { accountTeamsRoutes } from './modules/cloud-accounts/account-teams.routes.ts';
import { cloudAccountsRoutes } from './modules/cloud-accounts/cloud-accounts.routes.ts';
import { resourcesRoutes } from './modules/resources/resources.routes.ts';
import { resourceGroupsRoutes } from './modules/resource-groups/resource-groups.routes.ts';
import { discoveryRoutes } from './modules/discovery/discovery.routes.ts';
import { costImportRoutes } from './modules/cost-import/cost-import.routes.ts';
import { unassignedCostsRoutes } from './modules/cost-import/unassigned-costs.routes.ts';
import { terraformRoutes } from './modules/terraform/terraform.routes.ts';
import { terraformModulesRoutes } from './modules/terraform/modules.routes.ts';
import { discoveryWorker } from './jobs/discovery.worker.ts';
import { discoveryScheduler } from './jobs/discovery-scheduler.ts';
import { costImportApplied } from './consumers/cost-import-applied.consumer.ts';
import { costImportRefused } from './consumers/cost-import-refused.consumer.ts';

/**
 * A state is parsed and sealed whole in memory; the largest real states are tens of megabytes
 * (thousands of resources), so this leaves room without letting one upload take the process.
 */
const MAX_STATE_BYTES = 256 * 1024 ** 2;

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
    await app.register(accountTeamsRoutes, { prefix: '/v1', outbox: deps.outbox });
    await app.register(resourcesRoutes, { prefix: '/v1' });
    await app.register(resourceGroupsRoutes, { prefix: '/v1' });
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
    await app.register(terraformRoutes, {
      prefix: '/v1',
      keyring: deps.config.CREDENTIALS_KEYS,
      outbox: deps.outbox,
      queues: deps.queues,
      maxStateBytes: Math.min(deps.config.MAX_UPLOAD_BYTES, MAX_STATE_BYTES),
    });
    await app.register(terraformModulesRoutes, { prefix: '/v1' });
  },
  consumers: (deps) => ({ 'cost_import.applied': costImportApplied(deps), 'cost_import.refused': costImportRefused(deps) }),
  background(deps) {
    const adapters = { adapterFor: adapterResolver(deps.config.CREDENTIALS_KEYS) };
    return [
      // First, so that every sync sees what the action executor did to simulated accounts.
      sharedSimCloud(deps.db),
      discoveryWorker(deps, adapters, { keyring: deps.config.CREDENTIALS_KEYS, maxBytes: deps.config.MAX_UPLOAD_BYTES, allowedNetworks: deps.config.TERRAFORM_BACKEND_ALLOWED_NETWORKS }, deps.config.DISCOVERY_CONCURRENCY),
      discoveryScheduler(deps, deps.config.DISCOVERY_RECONCILE_MS),
    ];
  },
};
