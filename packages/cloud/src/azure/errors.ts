import { errorMessage, networkErrorCode, type ProviderFailure } from '../live/call.ts';
import { retryAfterMs } from './clients.ts';

/** What @azure/identity throws when Entra ID refuses the service principal (AADSTS errors). */
const IDENTITY_ERRORS = new Set(['AuthenticationError', 'AuthenticationRequiredError', 'CredentialUnavailableError']);

/** ARM codes that mean the principal cannot see or act on the subscription, whatever the status. */
const CREDENTIALS_CODES = new Set([
  'AuthorizationFailed',
  'InvalidAuthenticationToken',
  'InvalidAuthenticationTokenTenant',
  'ExpiredAuthenticationToken',
  'SubscriptionNotFound',
  'LinkedAuthorizationFailed',
]);

interface AzureErrorShape {
  name?: string;
  code?: string;
  statusCode?: number;
  retryAfterMs?: number;
  response?: { headers?: { get(name: string): string | null | undefined } };
}

/** Reads RestError (the SDK clients), ArmError (our REST calls) and the identity errors. */
export function inspectAzureError(error: unknown): ProviderFailure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as AzureErrorShape;
  const message = errorMessage(error);
  const network = networkErrorCode(error);
  if (network) return { kind: 'unavailable', code: network, message };
  if (shape.name && IDENTITY_ERRORS.has(shape.name)) {
    if (shape.statusCode !== undefined && shape.statusCode >= 500) return { kind: 'unavailable', code: shape.name, message };
    return { kind: 'credentials', code: /AADSTS\d+/.exec(message)?.[0] ?? shape.name, message };
  }
  const status = shape.statusCode;
  const code = shape.code ?? (status === undefined ? (shape.name ?? 'Error') : String(status));
  if (status === 429) {
    const wait = shape.retryAfterMs ?? (shape.response?.headers ? retryAfterMs(shape.response.headers) : undefined);
    return { kind: 'throttled', code, message, ...(wait ? { retryAfterMs: wait } : {}) };
  }
  if (status === 401 || status === 403 || CREDENTIALS_CODES.has(code)) return { kind: 'credentials', code, message };
  if ((status !== undefined && status >= 500) || shape.name === 'TimeoutError') return { kind: 'unavailable', code, message };
  return { kind: 'failed', code, message };
}
