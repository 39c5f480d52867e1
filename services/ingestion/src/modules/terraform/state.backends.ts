import { AnonymousCredential, BlobServiceClient, RestError, StorageSharedKeyCredential } from '@azure/storage-blob';
import { Agent, fetch } from 'undici';
import { addressRefusalOf, assertPermittedHost, assertPermittedLiteral, publicAddressesOnly, type AllowedNetworks, type OutboundRule } from '@stratus/http';
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

/** An azurerm backend as `terraform { backend "azurerm" { ... } }` names its settings: a blob, read with a key or a SAS. */
export interface AzurermBackend {
  type: 'azurerm';
  storage_account_name: string;
  container_name: string;
  key: string;
  /** The blob service's address, for an emulator or a sovereign cloud; https://<account>.blob.core.windows.net without it. */
  endpoint?: string | undefined;
  access_key?: string | undefined;
  sas_token?: string | undefined;
}

export type StateBackend = HttpBackend | S3Backend | AzurermBackend;

/** What a backend holds: the state, and for s3 and azurerm the object's ETag; or the word that it is the object already read. */
export type BackendRead = { raw: unknown; etag: string | null } | { unchanged: string };

/**
 * A backend's address is the user's to give, and the pull runs inside the cluster: it may reach
 * public addresses and the networks the operator allows (TERRAFORM_BACKEND_ALLOWED_NETWORKS, for a
 * GitLab or MinIO of the company's own network), never this host or the cloud's metadata service.
 */
export function backendRule(allowed: AllowedNetworks): OutboundRule {
  return {
    allowed,
    refusal: (range, resolved) =>
      `the backend's host ${resolved ? 'resolves to' : 'is'} a ${range} address; backends are read from public addresses ` +
      'and from the networks TERRAFORM_BACKEND_ALLOWED_NETWORKS lists (for example 10.0.0.0/8)',
  };
}

/** Reads a state from its HTTP backend (GET, as `terraform state pull` does), connecting to permitted addresses only. */
export async function readHttpState(backend: HttpBackend, maxBytes: number, rule: OutboundRule): Promise<BackendRead> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (backend.username !== undefined || backend.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${backend.username ?? ''}:${backend.password ?? ''}`).toString('base64')}`;
  }
  // An address literal is connected to without a lookup: it is checked here, every name by the agent's lookup.
  assertPermittedLiteral(new URL(backend.url), rule);
  const dispatcher = new Agent({ connect: { lookup: publicAddressesOnly(rule) } });
  try {
    return await fetchState(backend, headers, maxBytes, dispatcher);
  } finally {
    await dispatcher.close();
  }
}

async function fetchState(backend: HttpBackend, headers: Record<string, string>, maxBytes: number, dispatcher: Agent): Promise<BackendRead> {
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    response = await fetch(backend.url, { headers, redirect: 'error', signal: AbortSignal.timeout(30_000), dispatcher });
  } catch (error) {
    const refused = addressRefusalOf(error);
    throw refused === undefined ? error : new Error(refused);
  }
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
export async function readS3State(backend: S3Backend, lastEtag: string | null, maxBytes: number, rule: OutboundRule): Promise<BackendRead> {
  if (backend.endpoint !== undefined) await assertPermittedHost(new URL(backend.endpoint), rule);
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

/** The blob service of an azurerm backend, authorised by its access key or, without one, its SAS token. */
function blobServiceOf(backend: AzurermBackend): BlobServiceClient {
  const url = (backend.endpoint ?? `https://${backend.storage_account_name}.blob.core.windows.net`).replace(/\/+$/, '');
  // One try per pull: the job retries a failed pull with its own backoff.
  const options = { retryOptions: { maxTries: 1, tryTimeoutInMs: 30_000 } };
  if (backend.access_key !== undefined) return new BlobServiceClient(url, new StorageSharedKeyCredential(backend.storage_account_name, backend.access_key), options);
  return new BlobServiceClient(`${url}?${(backend.sas_token ?? '').replace(/^\?/, '')}`, new AnonymousCredential(), options);
}

/** The first line of a storage error: its message goes on with a request id and a time, and a HEAD's has no body at all. */
function storageErrorOf(error: unknown): string {
  if (!(error instanceof RestError)) return error instanceof Error ? error.message : String(error);
  if (error.statusCode === 404) return error.code === 'ContainerNotFound' ? 'no such container' : 'no such blob';
  if (error.statusCode === 403) return 'access denied: the access key or SAS token does not allow reading the blob';
  const line = error.message.split('\n')[0]?.trim();
  return [error.code ?? `status ${error.statusCode}`, line].filter(Boolean).join(': ');
}

/**
 * Reads a state blob from Azure Storage, as Terraform's azurerm backend does. Its properties come
 * first: a blob whose ETag is the one last read is not downloaded; the download is bound to that
 * ETag, so the content kept is the one the ETag names (a blob rewritten in between fails this pull
 * and the retry reads the new one).
 */
export async function readAzurermState(backend: AzurermBackend, lastEtag: string | null, maxBytes: number, rule: OutboundRule): Promise<BackendRead> {
  if (backend.endpoint !== undefined) await assertPermittedHost(new URL(backend.endpoint), rule);
  const blob = blobServiceOf(backend).getContainerClient(backend.container_name).getBlobClient(backend.key);
  try {
    const properties = await blob.getProperties();
    const etag = properties.etag ?? null;
    if (etag !== null && etag === lastEtag) return { unchanged: etag };
    const size = properties.contentLength ?? 0;
    if (size > maxBytes) throw new Error(`the state is ${size} bytes, more than the ${maxBytes} allowed`);
    const body = await blob.downloadToBuffer(0, undefined, etag === null ? {} : { conditions: { ifMatch: etag } });
    try {
      return { raw: JSON.parse(body.toString('utf8')), etag };
    } catch {
      throw new Error('the blob is not JSON');
    }
  } catch (error) {
    // Named by account, container and key: the SAS token, were it in an address, never is.
    throw new Error(`azurerm ${backend.storage_account_name}/${backend.container_name}/${backend.key}: ${storageErrorOf(error)}`, { cause: error });
  }
}

/** Reads a state from whichever backend holds it; lastEtag spares the download of an unchanged s3 object or blob. */
export function readBackend(backend: StateBackend, lastEtag: string | null, maxBytes: number, rule: OutboundRule): Promise<BackendRead> {
  switch (backend.type) {
    case 'http':
      return readHttpState(backend, maxBytes, rule);
    case 's3':
      return readS3State(backend, lastEtag, maxBytes, rule);
    case 'azurerm':
      return readAzurermState(backend, lastEtag, maxBytes, rule);
  }
}
