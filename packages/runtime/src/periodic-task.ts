import type { Logger } from 'pino';
import type { BackgroundTask } from './run-service.ts';

/**
 * A background task that runs a pass at start and every intervalMs. A failed pass is logged and
 * the next one tries again; stop waits for the pass in flight.
 */
export function periodicTask(name: string, intervalMs: number, logger: Logger, pass: () => Promise<unknown>): BackgroundTask {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const run = () => {
    current = pass().then(
      (result) => logger.debug({ task: name, result }, `${name}: pass done`),
      (error: unknown) => logger.warn({ err: error, task: name }, `${name}: pass failed; retrying next pass`),
    );
  };
  return {
    name,
    async start() {
      run();
      timer = setInterval(run, intervalMs);
    },
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
