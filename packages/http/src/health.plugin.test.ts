import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { healthPlugin, type ReadinessCheck } from './health.plugin.ts';
import { buildServer, type StratusServer } from './server.ts';

describe('healthPlugin', () => {
  let app: StratusServer;

  async function build(checks: Record<string, ReadinessCheck>, timeoutMs?: number): Promise<StratusServer> {
    app = buildServer({ logger: pino({ level: 'silent' }), service: 'test', version: '0.0.0' });
    await app.register(healthPlugin, { checks, ...(timeoutMs ? { timeoutMs } : {}) });
    await app.ready();
    return app;
  }

  afterEach(async () => {
    await app.close();
  });

  it('answers liveness even when a dependency is down', async () => {
    await build({ postgres: async () => Promise.reject(new Error('down')) });

    const response = await app.inject({ method: 'GET', url: '/healthz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when every check passes', async () => {
    await build({ postgres: async () => undefined, redis: async () => undefined });

    const response = await app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('is unready with each failing check\'s message, and runs the checks concurrently', async () => {
    const started: string[] = [];
    let releaseRedis!: () => void;
    await build({
      postgres: async () => {
        started.push('postgres');
        // Still pending when kafka starts: the checks do not run one after another.
        await new Promise<void>((resolve) => {
          releaseRedis = resolve;
        });
      },
      kafka: async () => {
        started.push('kafka');
        releaseRedis();
        throw new Error('broker 127.0.0.1:9092 unreachable');
      },
    });

    const response = await app.inject({ method: 'GET', url: '/readyz' });

    expect(started).toEqual(['postgres', 'kafka']);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'unready',
      checks: { postgres: 'ok', kafka: 'broker 127.0.0.1:9092 unreachable' },
    });
  });

  it('fails a check that does not answer within the timeout', async () => {
    await build({ redis: () => new Promise<void>(() => undefined) }, 50);

    const response = await app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(503);
    expect(response.json().checks).toEqual({ redis: 'timed out after 50 ms' });
  });
});
