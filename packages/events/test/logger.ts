import { pino } from 'pino';

/** Silent unless a run asks for logs (TEST_LOG_LEVEL=debug) to debug a failure. */
export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
