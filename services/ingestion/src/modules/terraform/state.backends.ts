import { createObjectStore } from '@stratus/object-store';

/** An HTTP backend as `terraform { backend "http" { address, username, password } }` names it. */
export interface HttpBackend {
  type: 'http';
  url: string;
  username?: string | undefined;
  password?: string | undefined;
}

/** An s3 backend as `terraform { backend "s3" { ... } }` names its settings. */
export interface S3Backend {
  type: 's3';
  bucket: string;
  key: string;
  region: string;
  endpoint?: string | undefined;
  force_path_style?: boolean | undefined;
  access_key: string;
  secret_key: string;
}

export type StateBackend = HttpBackend | S3Backend;

/** What a backend holds: the state, and for s3 the object's ETag; or the word that it is the object already read. */
export type BackendRead = { raw: unknown; etag: string | null } | { unchanged: string };

/** Reads a state from its HTTP backend (GET, as `terraform state pull` does). */
export async function readHttpState(backend: HttpBackend, maxBytes: number, fetchImpl: typeof fetch): Promise<BackendRead> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (backend.username !== undefined || backend.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${backend.username ?? ''}:${backend.password ?? ''}`).toString('base64')}`;
  }
  const response = await fetchImpl(backend.url, { headers, redirect: 'error', signal: AbortSignal.timeout(30_000) });
  // The backend's address may carry a token: the error names the status only.
  if (!response.ok) throw new Error(`the HTTP backend answered ${response.status}`);
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > maxBytes) throw new Error(`the state is ${length} bytes, more than the ${maxBytes} allowed`);
  const body = await response.text();
  if (Buffer.byteLength(body) > maxBytes) throw new Error(`the state is more than the ${maxBytes} bytes allowed`);
  try {
    return { raw: JSON.parse(body), etag: null };
  } catch {
    throw new Error('the HTTP backend did not answer with JSON');
  }
}

/**
 * Reads a state object from any S3-compatible endpoint (AWS S3, GCS in interoperability mode,
 * MinIO, Ceph). A HEAD comes first: an object whose ETag is the one last read is not downloaded.
 * Should the object change between the HEAD and the GET, the ETag kept is older than the content:
 * the next pull downloads it again and finds the same serial, which changes nothing.
 */
export async function readS3State(backend: S3Backend, lastEtag: string | null, maxBytes: number): Promise<BackendRead> {
  const where = `s3://${backend.bucket}/${backend.key}`;
  const store = createObjectStore({
    S3_ENDPOINT: backend.endpoint ?? `https://s3.${backend.region}.amazonaws.com`,
    S3_BUCKET: backend.bucket,
    S3_REGION: backend.region,
    S3_FORCE_PATH_STYLE: backend.force_path_style ?? false,
    S3_ACCESS_KEY_ID: backend.access_key,
    S3_SECRET_ACCESS_KEY: backend.secret_key,
  });
  try {
    const head = await store.head(backend.key);
    if (!head) throw new Error('no such object');
    if (head.etag !== undefined && head.etag === lastEtag) return { unchanged: head.etag };
    if (head.size > maxBytes) throw new Error(`the state is ${head.size} bytes, more than the ${maxBytes} allowed`);
    const body = await store.get(backend.key);
    if (!body) throw new Error('no such object');
    try {
      return { raw: JSON.parse(body.toString('utf8')), etag: head.etag ?? null };
    } catch {
      throw new Error('the object is not JSON');
    }
  } catch (error) {
    // The SDK's messages ("Access Denied", "The specified bucket does not exist") do not say where.
    throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    store.client.destroy();
  }
}
