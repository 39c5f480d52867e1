import { errorMessage, networkErrorCode, type ProviderFailure } from '../live/call.ts';

/** BigQuery says "rate limited" with a 403 and a reason, so reasons are read before statuses. */
const THROTTLING_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'jobRateLimitExceeded', 'quotaExceeded']);
const TRANSIENT_REASONS = new Set(['backendError', 'internalError']);
/** OAuth token endpoint answers for a key that is deleted, disabled or not a key of this account. */
const TOKEN_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

const GRPC_THROTTLED = 8; // RESOURCE_EXHAUSTED
const GRPC_CREDENTIALS = new Set([7, 16]); // PERMISSION_DENIED, UNAUTHENTICATED
const GRPC_TRANSIENT = new Set([4, 13, 14]); // DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE

interface GcpErrorShape {
  name?: string;
  code?: number | string;
  status?: number | string;
  errors?: { reason?: string }[];
  response?: { status?: number; data?: unknown; headers?: HeadersLike };
}

/** gaxios gives fetch Headers, BigQuery's transport a plain object. */
type HeadersLike = { get?(name: string): string | null } & Record<string, unknown>;

/**
 * Reads the three shapes the Google clients throw: a GaxiosError from the REST transport (HTTP
 * status, the API's error JSON as message), an ApiError from BigQuery (HTTP status as code, with
 * reasons), a GoogleError with a gRPC code; and the token endpoint's OAuth errors.
 */
export function inspectGcpError(error: unknown): ProviderFailure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as GcpErrorShape;
  const network = networkErrorCode(error);
  if (network) return { kind: 'unavailable', code: network, message: errorMessage(error) };
  const body = apiError(errorMessage(error));
  const api = body?.status;
  const message = body?.message ?? errorMessage(error);
  const reasons = (shape.errors ?? []).flatMap((entry) => entry.reason ?? []);
  const tokenError = (shape.response?.data as { error?: unknown } | undefined)?.error;
  const grpc = typeof shape.code === 'number' && shape.code < 100 ? shape.code : undefined;
  const http =
    (typeof shape.status === 'number' ? shape.status : undefined) ??
    shape.response?.status ??
    (typeof shape.code === 'number' && shape.code >= 100 ? shape.code : undefined);
  const code = api ?? reasons[0] ?? (typeof tokenError === 'string' ? tokenError : undefined) ?? (http ? String(http) : (shape.name ?? 'Error'));

  if (reasons.some((reason) => THROTTLING_REASONS.has(reason)) || grpc === GRPC_THROTTLED || http === 429 || api === 'RESOURCE_EXHAUSTED') {
    const wait = body?.retryDelayMs ?? retryAfterHeaderMs(shape.response?.headers);
    return { kind: 'throttled', code, message, ...(wait ? { retryAfterMs: wait } : {}) };
  }
  if (reasons.some((reason) => TRANSIENT_REASONS.has(reason))) return { kind: 'unavailable', code, message };
  if (
    (typeof tokenError === 'string' && TOKEN_ERRORS.has(tokenError)) ||
    (grpc !== undefined && GRPC_CREDENTIALS.has(grpc)) ||
    http === 401 ||
    http === 403 ||
    api === 'UNAUTHENTICATED' ||
    api === 'PERMISSION_DENIED'
  ) {
    return { kind: 'credentials', code, message };
  }
  if ((grpc !== undefined && GRPC_TRANSIENT.has(grpc)) || (http !== undefined && http >= 500)) return { kind: 'unavailable', code, message };
  return { kind: 'failed', code, message };
}

interface ApiErrorBody {
  status?: string;
  message?: string;
  /** google.rpc.RetryInfo.retryDelay among the details: how long the API asks us to wait. */
  retryDelayMs?: number;
}

/** The REST transport puts the API's error body in the message: {"error": {"status": "PERMISSION_DENIED", "message": ..., "details": [...]}}. */
function apiError(text: string): ApiErrorBody | undefined {
  try {
    const error = (JSON.parse(text) as { error?: { status?: unknown; message?: unknown; details?: unknown } }).error;
    if (!error) return undefined;
    const retryDelayMs = retryInfoMs(error.details);
    return {
      ...(typeof error.status === 'string' ? { status: error.status } : {}),
      ...(typeof error.message === 'string' ? { message: error.message } : {}),
      ...(retryDelayMs ? { retryDelayMs } : {}),
    };
  } catch {
    return undefined;
  }
}

/** RetryInfo's retryDelay is a google.protobuf.Duration, in JSON a string of seconds: "3s", "0.5s". */
function retryInfoMs(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  const info = details.find((detail: { '@type'?: unknown }) => detail?.['@type'] === 'type.googleapis.com/google.rpc.RetryInfo') as
    | { retryDelay?: unknown }
    | undefined;
  const match = typeof info?.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(info.retryDelay) : null;
  const ms = match ? Number(match[1]) * 1000 : 0;
  return ms > 0 ? ms : undefined;
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterHeaderMs(headers: HeadersLike | undefined): number | undefined {
  if (!headers) return undefined;
  const raw = typeof headers.get === 'function' ? headers.get('retry-after') : (headers['retry-after'] ?? headers['Retry-After']);
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
