/**
 * A consumer knows whether it is in its group (what /readyz reports): not before it joins, not while
 * its broker is down, and again once it has rejoined. Against a broker of this file's own, on free
 * ports, since the test stops it.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDb } from '@stratus/db';
import { eventually } from '@stratus/testing';
import { createConsumer, createKafkaClient, ensureTopics, type EventConsumer } from '../src/index.ts';
import { testLogger } from './logger.ts';

const root = new URL('../../../', import.meta.url).pathname;
const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let env: NodeJS.ProcessEnv;
let consumer: EventConsumer | undefined;
// No event is sent, so the consumer never opens a connection of this pool.
const db = createDb({ url: 'postgres://unused@127.0.0.1:1/unused' });

const broker = (command: 'start' | 'stop') => run(`${root}scripts/kafka.sh`, [command], { env, timeout: 150_000 });

beforeAll(async () => {
  env = { ...process.env, KAFKA_PORT: String(await freePort()), KAFKA_CONTROLLER_PORT: String(await freePort()) };
  await broker('start');
}, 180_000);

afterAll(async () => {
  await consumer?.stop().catch(() => undefined);
  await db.destroy();
  await broker('stop');
  const cache = process.env.STRATUS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'stratus');
  await rm(join(cache, `kafka-run-${env.KAFKA_PORT}`), { recursive: true, force: true });
}, 60_000);

it('is a member from joining its group until its broker goes away, and again once it has rejoined', async () => {
  const kafka = createKafkaClient({ clientId: 'membership-test', brokers: [`127.0.0.1:${env.KAFKA_PORT}`], logger: testLogger });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { prefix: '', partitions: 1 });
  await admin.disconnect();
  consumer = createConsumer({
    kafka,
    db,
    groupId: 'stratus-membership-test',
    topicPrefix: '',
    handlers: { 'cloud_account.linked': async () => undefined },
    logger: testLogger,
  });
  expect(consumer.membership()).toEqual({ joined: false, reason: 'has not joined its group yet' });
  await consumer.start();
  expect(consumer.membership()).toEqual({ joined: true });

  await broker('stop');
  const down = Date.now();
  await eventually(() => expect(consumer!.membership().joined).toBe(false), { timeoutMs: 60_000, intervalMs: 250 });
  // Well before the 30 s session timeout would have told it.
  expect(Date.now() - down).toBeLessThan(30_000);
  expect(consumer.membership().reason).toMatch(/crashed|heartbeat|disconnected/);

  await broker('start');
  await eventually(() => expect(consumer!.membership()).toEqual({ joined: true }), { timeoutMs: 120_000, intervalMs: 500 });
}, 300_000);
