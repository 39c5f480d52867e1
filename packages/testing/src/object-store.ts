import { randomBytes } from 'node:crypto';
import { createObjectStore, type ObjectStore } from '@stratus/object-store';
import { testEnv } from './env.ts';

export interface TestObjectStore {
  store: ObjectStore;
  /** The settings a service under test is given to use the same bucket. */
  env: { S3_ENDPOINT: string; S3_BUCKET: string; S3_FORCE_PATH_STYLE: 'true'; S3_ACCESS_KEY_ID: string; S3_SECRET_ACCESS_KEY: string };
  /** Deletes the bucket and everything in it. */
  cleanup(): Promise<void>;
}

/** A bucket of this test file's own on the S3-compatible server, like the Kafka topic prefix. */
export async function createTestObjectStore(): Promise<TestObjectStore> {
  const env = {
    S3_ENDPOINT: testEnv.s3Endpoint,
    S3_BUCKET: `t${randomBytes(6).toString('hex')}`,
    S3_FORCE_PATH_STYLE: 'true' as const,
    // S3Mock and a local MinIO take any static credentials.
    S3_ACCESS_KEY_ID: process.env.S3_ACCESS_KEY_ID || 'stratus',
    S3_SECRET_ACCESS_KEY: process.env.S3_SECRET_ACCESS_KEY || 'stratus-secret',
  };
  const store = createObjectStore({ ...env, S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: true });
  try {
    await store.ensureBucket();
  } catch (error) {
    throw new Error(
      `tests need an S3-compatible server at ${env.S3_ENDPOINT} (set S3_ENDPOINT, or run scripts/s3.sh start): ${(error as Error).message}`,
    );
  }
  return {
    store,
    env,
    async cleanup() {
      await store.destroyBucket();
      store.client.destroy();
    },
  };
}
