import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { createTestRedis, testEnv } from '@stratus/testing';
import { SessionStore } from './session.store.ts';

const redis = createTestRedis();
const connection = new Redis(testEnv.redisUrl);
const store = new SessionStore(connection, redis.prefix, { idleMs: 60_000, absoluteMs: 3_600_000 });
const fields = { user_id: '00000000-0000-4000-8000-000000000001', organization_id: '00000000-0000-4000-8000-000000000002', role: 'viewer', token_id: '00000000-0000-4000-8000-000000000003', api_token: 'stratus_x' } as const;

afterAll(async () => {
  await connection.quit();
  await redis.cleanup();
});

it('keeps a session for the idle time from its last use, and never past its absolute expiry', async () => {
  const start = Date.now();
  const { id } = await store.create(fields, start);
  // Stored under the id's hash: Redis holds nothing a browser could present.
  expect(await connection.pttl(`${redis.prefix}:console:session:${createHash('sha256').update(id).digest('hex')}`)).toBeGreaterThan(59_000);
  expect(await connection.exists(`${redis.prefix}:console:session:${id}`)).toBe(0);
  expect(await store.touch(id, start + 3_599_000)).toMatchObject({ user_id: fields.user_id, expires_at: start + 3_600_000 });
  expect(await store.touch(id, start + 3_600_000)).toBeUndefined();
  expect(await store.touch(id, start)).toBeUndefined();
});

it('forgets every session of a user at once, and returns them for their tokens to be revoked', async () => {
  const first = await store.create(fields);
  const second = await store.create({ ...fields, token_id: '00000000-0000-4000-8000-000000000004' });
  const other = await store.create({ ...fields, user_id: '00000000-0000-4000-8000-000000000005' });
  const ended = await store.destroyAllOf(fields.user_id);
  expect(ended.map((session) => session.token_id).sort()).toEqual(['00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000004']);
  expect(await store.touch(first.id)).toBeUndefined();
  expect(await store.touch(second.id)).toBeUndefined();
  expect(await store.touch(other.id)).toBeDefined();
  expect(await store.destroy(other.id)).toMatchObject({ user_id: '00000000-0000-4000-8000-000000000005' });
  expect(await store.destroy(other.id)).toBeUndefined();
});
