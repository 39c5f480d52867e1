import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { BackgroundTask } from './run-service.ts';

/**
 * A background task that runs a pass at start and every intervalMs. A failed pass is logged and
 * the next one tries again; stop waits for the pass in flight. Each pass is a trace of its own, so
 * its queries, the events it publishes and its log lines are found together.
 */
export function periodicTask(name: string, intervalMs: number, logger: Logger, pass: () => Promise<unknown>): BackgroundTask {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const tracer = trace.getTracer('@stratus/runtime');
  const run = () => {
    current = tracer.startActiveSpan(name, { root: true }, (span) =>
      pass()
        .then(
          (result) => logger.debug({ task: name, result }, `${name}: pass done`),
          (error: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
            logger.warn({ err: error, task: name }, `${name}: pass failed; retrying next pass`);
          },
        )
        .finally(() => span.end()),
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
