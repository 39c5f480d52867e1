import type { ServiceDefinition } from '@stratus/runtime';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { cloudAccountsRoutes } from './modules/cloud-accounts/cloud-accounts.routes.ts';
import { resourcesRoutes } from './modules/resources/resources.routes.ts';

export const service: ServiceDefinition<typeof env> = {
  name: 'ingestion',
  version: pkg.version,
  env,
  async routes(app) {
    await app.register(cloudAccountsRoutes, { prefix: '/v1' });
    await app.register(resourcesRoutes, { prefix: '/v1' });
  },
};
