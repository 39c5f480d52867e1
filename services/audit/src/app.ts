import type { ServiceDefinition } from '@stratus/runtime';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { activityRoutes } from './modules/activity/activity.routes.ts';

export const service: ServiceDefinition<typeof env> = {
  name: 'audit',
  version: pkg.version,
  env,
  async routes(app) {
    await app.register(activityRoutes, { prefix: '/v1' });
  },
};
