import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OptionalObjectStore, ObjectStoreNotConfigured } from '@stratus/object-store';
import { objectStoreEnv, loadConfig } from '@stratus/config';
import { createTestObjectStore, type TestObjectStore } from './object-store.ts';

// @stratus/object-store against the real S3-compatible server (scripts/s3.sh), in a bucket of this file's own.
let s3: TestObjectStore;
beforeAll(async () => {
  s3 = await createTestObjectStore();
});
afterAll(() => s3?.cleanup());

describe('ObjectStore', () => {
  it('puts, reads, heads, lists and deletes objects', async () => {
    await s3.store.put('a/one.txt', 'one', { contentType: 'text/plain', metadata: { rows: '1' } });
    await s3.store.put('a/two.bin', new Uint8Array([1, 2, 3]));
    await s3.store.put('b/three.txt', 'three');

    expect((await s3.store.get('a/one.txt'))?.toString()).toBe('one');
    expect(await s3.store.head('a/one.txt')).toEqual({ size: 3, metadata: { rows: '1' }, etag: expect.stringMatching(/^"[^"]+"$/) });
    const listed = [];
    for await (const object of s3.store.list('a/')) listed.push([object.key, object.size]);
    expect(listed).toEqual([['a/one.txt', 3], ['a/two.bin', 3]]);

    expect(await s3.store.deletePrefix('a/')).toBe(2);
    expect(await s3.store.get('a/one.txt')).toBeUndefined();
    expect(await s3.store.head('a/two.bin')).toBeUndefined();
    expect(await s3.store.stream('a/two.bin')).toBeUndefined();
    expect((await s3.store.get('b/three.txt'))?.toString()).toBe('three');
  });

  it('streams a body of unknown length through a multipart upload, and back', async () => {
    // 20 MiB in 1 MiB chunks: three parts of 8 MiB, never the whole body in one buffer.
    const chunk = Buffer.alloc(1024 * 1024, 7);
    await s3.store.put('big/blob', Readable.from((function* () { for (let i = 0; i < 20; i++) yield chunk; })()));
    let size = 0;
    for await (const part of (await s3.store.stream('big/blob'))!) size += (part as Buffer).length;
    expect(size).toBe(20 * 1024 * 1024);
  });

  it('signs a GET link that reads the object without credentials', async () => {
    await s3.store.put('links/report.csv', 'a,b\n1,2\n');
    const url = await s3.store.signedUrl('links/report.csv', 60);
    expect(url).toContain('X-Amz-Expires=60');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('a,b\n1,2\n');
  });

  it('sets expiry lifecycle rules on the bucket', async () => {
    await s3.store.setLifecycle([{ id: 'reports', prefix: 'reports/', expireAfterDays: 30 }]);
    const { GetBucketLifecycleConfigurationCommand } = await import('@aws-sdk/client-s3');
    const read = await s3.store.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: s3.store.bucket }));
    expect(read.Rules?.map((rule) => [rule.ID, rule.Expiration?.Days])).toEqual([['reports', 30]]);
  });
});

describe('OptionalObjectStore', () => {
  it('without S3_ENDPOINT, names the setting to whatever needs a store', () => {
    const optional = new OptionalObjectStore(loadConfig(objectStoreEnv, {}));
    expect(optional.store).toBeUndefined();
    expect(() => optional.require('archiving cost months')).toThrow(ObjectStoreNotConfigured);
    expect(() => optional.require('archiving cost months')).toThrow(/^archiving cost months needs object storage, and S3_ENDPOINT is not set/);
  });

  it('refuses half a pair of static credentials', () => {
    const config = loadConfig(objectStoreEnv, { S3_ENDPOINT: 'http://127.0.0.1:9090', S3_ACCESS_KEY_ID: 'only-the-id' });
    expect(() => new OptionalObjectStore(config)).toThrow(/S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/);
  });

  it('names a bad endpoint or bucket at start-up', () => {
    expect(() => loadConfig(objectStoreEnv, { S3_ENDPOINT: 'ftp://x', S3_BUCKET: 'Bad_Bucket' })).toThrow(
      /S3_ENDPOINT is invalid: must be an http\(s\):\/\/ URL \(e\.g\. http:\/\/127\.0\.0\.1:9090; scripts\/s3\.sh start runs one locally\)\n.*S3_BUCKET is invalid/,
    );
  });
});
