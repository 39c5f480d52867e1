import type { ServiceDefinition } from '@stratus/runtime';
import type { EventHandlers } from '@stratus/events';
import pkg from '../package.json' with { type: 'json' };
import { env } from './config.ts';
import { cloudAccountLinked } from './consumers/cloud-account-linked.consumer.ts';
import { cloudAccountUnlinked } from './consumers/cloud-account-unlinked.consumer.ts';
import { activityRoutes } from './modules/activity/activity.routes.ts';

export const handlers = {
  'cloud_account.linked': cloudAccountLinked,
  'cloud_account.unlinked': cloudAccountUnlinked,
} satisfies EventHandlers;

export const service: ServiceDefinition<typeof env> = {
  name: 'audit',
  version: pkg.version,
  env,
  async routes(app) {
    await app.register(activityRoutes, { prefix: '/v1' });
  },
  consumers: () => handlers,
};
