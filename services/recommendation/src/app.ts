import type { ServiceDefinition } from '@stratus/runtime';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { recommendationsRoutes } from './modules/recommendations/recommendations.routes.ts';

export const service: ServiceDefinition<typeof env> = {
  name: 'recommendation',
  version: pkg.version,
  env,
  async routes(app) {
    await app.register(recommendationsRoutes, { prefix: '/v1' });
  },
};
