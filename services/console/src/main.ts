import { startTelemetry } from '@stratus/runtime/telemetry';

// Started before the rest is imported: its instrumentations patch http, pg and ioredis as they load.
const telemetry = startTelemetry('console');
const [{ runService }, { service }] = await Promise.all([import('@stratus/runtime'), import('./app.ts')]);
await runService(service, telemetry);
