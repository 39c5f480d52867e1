import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutBucketLifecycleConfigurationCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectStoreEnv } from '@stratus/config';

/** Thrown by what needs object storage when none is configured: says which setting turns it on. */
export class ObjectStoreNotConfigured extends Error {
  override name = 'ObjectStoreNotConfigured';
  readonly setting = 'S3_ENDPOINT';

  constructor(feature: string) {
    super(
      `${feature} needs object storage, and S3_ENDPOINT is not set: point it at an S3-compatible endpoint ` +
        '(e.g. S3_ENDPOINT=http://127.0.0.1:9090 after scripts/s3.sh start) with S3_BUCKET naming the bucket',
    );
  }
}

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date | undefined;
}

export type ObjectBody = string | Uint8Array | Readable;

export interface PutOptions {
  contentType?: string;
  /** Kept with the object and returned by head(). */
  metadata?: Record<string, string>;
}

export interface LifecycleRule {
  /** Unique within the bucket's configuration. */
  id: string;
  /** Objects whose key starts with it. */
  prefix: string;
  expireAfterDays: number;
}

/** Multipart parts: S3's minimum (5 MiB) is also small enough to keep only a few in memory. */
const PART_SIZE = 8 * 1024 * 1024;

/**
 * One bucket of an S3-compatible store. Writes of any size stream through multipart uploads, so a
 * caller can hand over a stream it is still producing without knowing its length.
 */
export class ObjectStore {
  readonly bucket: string;
  readonly client: S3Client;

  constructor(client: S3Client, bucket: string) {
    this.client = client;
    this.bucket = bucket;
  }

  async put(key: string, body: ObjectBody, options: PutOptions = {}): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: options.contentType, Metadata: options.metadata },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  /** The object's bytes, or undefined when there is no such key. */
  async get(key: string): Promise<Buffer | undefined> {
    const body = await this.#body(key);
    return body && Buffer.from(await body.transformToByteArray());
  }

  /** The object as a stream, or undefined when there is no such key. */
  async stream(key: string): Promise<Readable | undefined> {
    return (await this.#body(key)) as Readable | undefined;
  }

  /** Bytes [start, end) of the object: what a Parquet reader asks for, footer first, never the whole file. */
  async range(key: string, start: number, end: number): Promise<Uint8Array> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }));
    return object.Body!.transformToByteArray();
  }

  /** The object's size, metadata and ETag (which changes whenever its content does), or undefined when there is no such key. */
  async head(key: string): Promise<{ size: number; metadata: Record<string, string>; etag: string | undefined } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0, metadata: head.Metadata ?? {}, etag: head.ETag };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async *list(prefix = ''): AsyncGenerator<StoredObject> {
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        yield { key: object.Key!, size: object.Size ?? 0, lastModified: object.LastModified };
      }
    }
  }

  /** Deletes the keys (absent ones are no error). */
  async delete(keys: readonly string[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys a request.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const result = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = result.Errors?.[0];
      if (failed) throw new Error(`could not delete s3://${this.bucket}/${failed.Key}: ${failed.Code} ${failed.Message}`);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys: string[] = [];
    for await (const object of this.list(prefix)) keys.push(object.key);
    await this.delete(keys);
    return keys.length;
  }

  /** A link that reads the object without credentials until it expires. */
  signedUrl(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }

  /** Replaces the bucket's lifecycle configuration with these expiry rules. */
  async setLifecycle(rules: readonly LifecycleRule[]): Promise<void> {
    await this.client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: this.bucket,
        LifecycleConfiguration: {
          Rules: rules.map((rule) => ({
            ID: rule.id,
            Status: 'Enabled',
            Filter: { Prefix: rule.prefix },
            Expiration: { Days: rule.expireAfterDays },
          })),
        },
      }),
    );
  }

  /** Creates the bucket when it does not exist. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isMissing(error)) throw error;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  /** Deletes every object and then the bucket (tests' own buckets). */
  async destroyBucket(): Promise<void> {
    await this.deletePrefix('');
    await this.client.send(new DeleteBucketCommand({ Bucket: this.bucket }));
  }

  async #body(key: string) {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return object.Body;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound');
}

type S3Settings = Pick<ObjectStoreEnv, 'S3_BUCKET' | 'S3_REGION' | 'S3_FORCE_PATH_STYLE' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'> & {
  S3_ENDPOINT: string;
};

export function createObjectStore(config: S3Settings): ObjectStore {
  if (Boolean(config.S3_ACCESS_KEY_ID) !== Boolean(config.S3_SECRET_ACCESS_KEY)) {
    throw new Error('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the default credential chain');
  }
  const client = new S3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials:
      config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
        : undefined,
    // Checksums on every request (the SDK's default since 2025) are refused by several
    // S3-compatible servers; they are sent only where the API requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return new ObjectStore(client, config.S3_BUCKET);
}

/**
 * The configured store, or none: every feature that needs it asks through `require`, which names
 * the missing setting, while the rest of the service runs without one.
 */
export class OptionalObjectStore {
  readonly store: ObjectStore | undefined;

  constructor(config: ObjectStoreEnv) {
    this.store = config.S3_ENDPOINT ? createObjectStore({ ...config, S3_ENDPOINT: config.S3_ENDPOINT }) : undefined;
  }

  require(feature: string): ObjectStore {
    if (!this.store) throw new ObjectStoreNotConfigured(feature);
    return this.store;
  }
}
