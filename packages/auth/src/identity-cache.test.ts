import { describe, expect, it } from 'vitest';
import { IdentityCache } from './identity-cache.ts';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('IdentityCache', () => {
  it('loads once within the TTL and again after it', async () => {
    const time = clock();
    const cache = new IdentityCache<string>({ ttlMs: 1_000, maxEntries: 10, now: time.now });
    let loads = 0;
    const load = async () => `identity ${++loads}`;

    expect(await cache.resolve('a', load)).toBe('identity 1');
    time.advance(999);
    expect(await cache.resolve('a', load)).toBe('identity 1');
    time.advance(1);
    expect(await cache.resolve('a', load)).toBe('identity 2');
  });

  it('shares one lookup between concurrent requests', async () => {
    const cache = new IdentityCache<string>({ ttlMs: 1_000, maxEntries: 10 });
    let loads = 0;
    const load = async () => `identity ${++loads}`;

    const results = await Promise.all([cache.resolve('a', load), cache.resolve('a', load), cache.resolve('a', load)]);

    expect(results).toEqual(['identity 1', 'identity 1', 'identity 1']);
    expect(loads).toBe(1);
  });

  it('does not keep unknown tokens or failed lookups', async () => {
    const cache = new IdentityCache<string>({ ttlMs: 1_000, maxEntries: 10 });

    expect(await cache.resolve('unknown', async () => undefined)).toBeUndefined();
    await expect(cache.resolve('broken', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');

    expect(cache.size).toBe(0);
    expect(await cache.resolve('broken', async () => 'recovered')).toBe('recovered');
  });

  it('drops the oldest entry beyond its bound', async () => {
    const cache = new IdentityCache<string>({ ttlMs: 1_000, maxEntries: 2 });
    let loads = 0;
    const load = async () => `identity ${++loads}`;
    await cache.resolve('a', load);
    await cache.resolve('b', load);
    await cache.resolve('c', load);

    expect(cache.size).toBe(2);
    expect(await cache.resolve('b', load)).toBe('identity 2');
    expect(await cache.resolve('a', load)).toBe('identity 4');
  });
});
