import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Resolves when a dependency is usable, throws (with a message saying why) when it is not. */
export type ReadinessCheck = () => Promise<void>;

export interface HealthOptions {
  checks: Record<string, ReadinessCheck>;
  /** Per check; a hung dependency must not hang the probe past the orchestrator's own timeout. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

const readiness = z.object({
  status: z.enum(['ready', 'unready']),
  checks: z.record(z.string(), z.string()),
});

async function run(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz`: liveness, answers while the event loop turns (a restart would not fix a
 * dependency, so it checks none). `GET /readyz`: readiness, runs every check at once, each within
 * timeoutMs; 503 takes the instance out of the load balancer until its dependencies are back.
 */
export const healthPlugin: FastifyPluginAsyncZod<HealthOptions> = async (app, { checks, timeoutMs = DEFAULT_TIMEOUT_MS }) => {
  app.get(
    '/healthz',
    {
      // Probes arrive every few seconds; logging each would bury everything else.
      logLevel: 'warn',
      config: { public: true, rateLimit: false },
      schema: { tags: ['health'], security: [], response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      config: { public: true, rateLimit: false },
      schema: { tags: ['health'], security: [], response: { 200: readiness, 503: readiness } },
    },
    async (request, reply) => {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => [name, await run(check, timeoutMs)] as const),
      );
      const failed = results.filter(([, result]) => result !== 'ok');
      if (failed.length > 0) request.log.warn({ checks: Object.fromEntries(failed) }, 'not ready');
      return reply
        .status(failed.length > 0 ? 503 : 200)
        .send({ status: failed.length > 0 ? 'unready' : 'ready', checks: Object.fromEntries(results) });
    },
  );
};
