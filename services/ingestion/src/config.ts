import { port, serviceEnv } from '@stratus/config';

export const env = serviceEnv.extend({
  PORT: port.default(8081),
});
