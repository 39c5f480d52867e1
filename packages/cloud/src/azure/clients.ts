import { ComputeManagementClient, type ComputeManagementClientOptionalParams } from '@azure/arm-compute';
import { MonitorClient } from '@azure/arm-monitor';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { ClientSecretCredential } from '@azure/identity';
import type { CloudAccountRef } from '../adapter.ts';
import type { AzureCredentials } from '../credentials.ts';

/** @azure/core-rest-pipeline's AdditionalPolicyConfig, which this package does not depend on directly. */
type PolicyConfig = NonNullable<ComputeManagementClientOptionalParams['additionalPolicies']>[number];

export const ARM_ENDPOINT = 'https://management.azure.com';
const REQUEST_TIMEOUT_MS = 120_000;

export interface AzureClients {
  credential: ClientSecretCredential;
  resourceGraph: ResourceGraphClient;
  monitor: MonitorClient;
  compute: ComputeManagementClient;
  /** ARM REST calls the SDK packages do not cover (Cost Management paging, Tags at scope, subscription read). */
  arm: ArmFetch;
}

/**
 * The pipelines' own retries are off (maxRetries 0), for the identity calls too: the adapter retries
 * every call itself, so there is one policy and it is testable.
 */
export function createAzureClients(account: CloudAccountRef, credentials: AzureCredentials): AzureClients {
  const noRetries = { retryOptions: { maxRetries: 0 } };
  const credential = new ClientSecretCredential(credentials.tenant_id, credentials.client_id, credentials.client_secret, noRetries);
  const options = { ...noRetries, additionalPolicies: [nonJsonErrors] };
  return {
    credential,
    resourceGraph: new ResourceGraphClient(credential, options),
    monitor: new MonitorClient(credential, account.account_id, options),
    compute: new ComputeManagementClient(credential, account.account_id, options),
    arm: createArmFetch(credential),
  };
}

/**
 * The generated clients fail with a TypeError on an error answer that is not JSON (a gateway's
 * HTML 502, a plain-text 503), losing its status: such an answer becomes an ArmError first.
 */
const nonJsonErrors: PolicyConfig = {
  position: 'perCall',
  policy: {
    name: 'stratusNonJsonErrors',
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status >= 400 && response.bodyAsText && errorBody(response.bodyAsText) === undefined) {
        throw new ArmError(response.status, String(response.status), response.bodyAsText.slice(0, 200), retryAfterMs(response.headers));
      }
      return response;
    },
  },
};

/** A non-2xx ARM answer, shaped like the SDK's RestError for inspectAzureError. */
export class ArmError extends Error {
  override name = 'ArmError';
  readonly statusCode: number;
  readonly code: string;
  readonly retryAfterMs: number | undefined;
  constructor(statusCode: number, code: string, message: string, retryAfterMs: number | undefined) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

export type ArmFetch = <T>(method: 'GET' | 'POST' | 'PATCH', pathOrUrl: string, body?: unknown, signal?: AbortSignal) => Promise<T>;

/**
 * Why fetch and not @azure/arm-costmanagement: the Query API pages with a nextLink that must be
 * POSTed the same body again, which that package (1.0.0-beta.2) cannot do. The bearer token comes
 * from the same credential, and is only ever sent to the ARM endpoint.
 */
function createArmFetch(credential: ClientSecretCredential): ArmFetch {
  return async <T>(method: 'GET' | 'POST' | 'PATCH', pathOrUrl: string, body?: unknown, signal?: AbortSignal): Promise<T> => {
    const url = pathOrUrl.startsWith('/') ? `${ARM_ENDPOINT}${pathOrUrl}` : pathOrUrl;
    if (!url.startsWith(`${ARM_ENDPOINT}/`)) throw new Error(`refusing to send an ARM token to ${new URL(url).host}`);
    const token = await credential.getToken(`${ARM_ENDPOINT}/.default`, { abortSignal: signal });
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    if (!response.ok) {
      const error = errorBody(text);
      throw new ArmError(
        response.status,
        error?.code ?? String(response.status),
        error?.message ?? (text.slice(0, 200) || response.statusText),
        retryAfterMs(response.headers),
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/**
 * How long an Azure answer asks us to back off: Cost Management says it in its own header, in
 * seconds; Resource Graph in x-ms-user-quota-resets-after, as hh:mm:ss until the user's quota
 * refills; ARM in Retry-After.
 */
export function retryAfterMs(headers: { get(name: string): string | null | undefined }): number | undefined {
  const seconds = (value: string | null | undefined) => {
    const parsed = Number(value ?? undefined);
    return Number.isFinite(parsed) && parsed > 0 ? parsed * 1000 : undefined;
  };
  return (
    seconds(headers.get('x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after')) ??
    timeSpanMs(headers.get('x-ms-user-quota-resets-after')) ??
    seconds(headers.get('retry-after'))
  );
}

/** A .NET TimeSpan as Azure writes it: [d.]hh:mm:ss[.fffffff]. */
function timeSpanMs(value: string | null | undefined): number | undefined {
  const match = value ? /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, days = '0', hours, minutes, seconds] = match;
  const ms = (((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
  return ms > 0 ? ms : undefined;
}

/** ARM errors are {error: {code, message}}; a gateway in front may answer with HTML instead. */
function errorBody(text: string): { code?: string; message?: string } | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
  } catch {
    return undefined;
  }
}
