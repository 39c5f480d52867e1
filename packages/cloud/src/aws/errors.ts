import { errorMessage, networkErrorCode, type ProviderFailure } from '../live/call.ts';

/** Error codes AWS services use for rate limiting; EC2 answers RequestLimitExceeded with a 503. */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  // Cost Explorer's answer to too many requests.
  'LimitExceededException',
]);

/** Credentials that are wrong, expired, not allowed in the region, or lacking a permission. */
const CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'AuthFailure',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidToken',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'OptInRequired',
  'CredentialsProviderError',
]);

const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ServiceUnavailable', 'InternalError', 'InternalFailure']);

interface AwsErrorShape {
  name?: string;
  Code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

export function inspectAwsError(error: unknown): ProviderFailure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const message = errorMessage(error);
  const network = networkErrorCode(error);
  if (network) return { kind: 'unavailable', code: network, message };
  const code = shape.Code ?? shape.name ?? 'Error';
  const status = shape.$metadata?.httpStatusCode;
  if (THROTTLING.has(code) || shape.$retryable?.throttling || status === 429) return { kind: 'throttled', code, message };
  if (CREDENTIALS.has(code) || status === 401 || status === 403) return { kind: 'credentials', code, message };
  if (TRANSIENT.has(code) || shape.$fault === 'server' || (status !== undefined && status >= 500)) {
    return { kind: 'unavailable', code, message };
  }
  return { kind: 'failed', code, message };
}
