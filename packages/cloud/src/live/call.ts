import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import {
  CloudCredentialsError,
  CloudError,
  CloudOperationError,
  CloudThrottledError,
  CloudUnavailableError,
} from '../adapter.ts';

/** How one provider error is to be treated, as each adapter reads its SDK's error shapes. */
export interface ProviderFailure {
  kind: 'throttled' | 'credentials' | 'unavailable' | 'failed';
  /** The provider's own code: ThrottlingException, AuthorizationFailed, RESOURCE_EXHAUSTED, ECONNRESET... */
  code: string;
  message: string;
  /** How long the provider asked us to wait before trying again (Retry-After and the like), when it said. */
  retryAfterMs?: number;
}

export interface RetryTimings {
  /** Retries after the first attempt, so `retries + 1` calls at most. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /**
   * The longest wait a provider's own hint (Retry-After, RetryInfo, a quota-reset header) is
   * honoured for. Hints are waited out in full up to this, not cut to maxDelayMs: a per-minute
   * quota answers "in 45 s", and retrying sooner only spends the attempts.
   */
  maxHintDelayMs: number;
}

export const DEFAULT_RETRY_TIMINGS: RetryTimings = { retries: 5, minDelayMs: 1_000, maxDelayMs: 30_000, maxHintDelayMs: 300_000 };

export interface CallerConfig {
  /** Names the account in every message, e.g. "AWS account 123456789012 (Stratus account 4b1c...)". */
  account: string;
  /** What the account's owner should do when the provider refuses the credentials. */
  credentialsAdvice: string;
  inspect: (error: unknown) => ProviderFailure;
  /** Values that must never reach a message, in case a provider echoes them back. */
  secrets: readonly string[];
  timings: RetryTimings;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
  /**
   * False for calls that must not be repeated after an unknown outcome, such as creating a
   * snapshot: a 5xx or a dropped connection may hide a success. Throttling is retried anyway,
   * since the provider refused the request before acting on it.
   */
  idempotent?: boolean;
}

/**
 * Runs one provider call: retries throttling and transient failures with exponential backoff and
 * jitter (waiting out the provider's own wait hint first, up to maxHintDelayMs), then turns what is left
 * into a CloudError.
 * `what` names the call in messages ("ec2:DescribeInstances (eu-west-1)").
 */
export type Call = <T>(what: string, fn: () => Promise<T>, options?: CallOptions) => Promise<T>;

export function createCall(config: CallerConfig): Call {
  const { timings } = config;
  return async (what, fn, options = {}) => {
    const retryable = (error: unknown) => {
      if (error instanceof CloudError) return false;
      const { kind } = config.inspect(error);
      return kind === 'throttled' || (kind === 'unavailable' && options.idempotent !== false);
    };
    let attempts = 0;
    try {
      return await pRetry(
        () => {
          attempts += 1;
          return fn();
        },
        {
          retries: timings.retries,
          minTimeout: timings.minDelayMs,
          maxTimeout: timings.maxDelayMs,
          factor: 2,
          randomize: true,
          signal: options.signal,
          onFailedAttempt: async ({ error, retriesLeft }) => {
            if (retriesLeft === 0 || !retryable(error)) return;
            const { retryAfterMs } = config.inspect(error);
            if (retryAfterMs) await sleep(Math.min(retryAfterMs, timings.maxHintDelayMs), undefined, { signal: options.signal });
          },
          shouldRetry: ({ error }) => retryable(error),
        },
      );
    } catch (error) {
      // A cancellation is the caller's decision, and a CloudError has already been explained.
      if (options.signal?.aborted || error instanceof CloudError) throw error;
      throw toCloudError(config, what, attempts, error);
    }
  };
}

function toCloudError(config: CallerConfig, what: string, attempts: number, error: unknown): CloudError {
  const failure = config.inspect(error);
  const detail = redact(`${failure.code}: ${failure.message}`, config.secrets);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  switch (failure.kind) {
    case 'credentials':
      return new CloudCredentialsError(`${config.account}: ${what} was refused (${detail}). ${config.credentialsAdvice}`, error);
    case 'throttled':
      return new CloudThrottledError(`${config.account}: ${what} was still throttled${tries} (${detail})`, error);
    case 'unavailable':
      return new CloudUnavailableError(`${config.account}: ${what} failed${tries}, the provider is unavailable or unreachable (${detail})`, error);
    case 'failed':
      return new CloudOperationError(`${config.account}: ${what} failed (${detail})`, error);
  }
}

const MAX_DETAIL = 500;

/** One line, bounded, and without any of the secrets (providers echo request fragments at times). */
export function redact(text: string, secrets: readonly string[]): string {
  let line = text.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) {
    if (secret.length >= 8) line = line.split(secret).join('[redacted]');
  }
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL)}...` : line;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The system error code of a connection failure anywhere in the cause chain (fetch wraps it). */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
