import type { CloudAccountRef } from '../adapter.ts';
import { DEFAULT_RETRY_TIMINGS, type Call, type RetryTimings } from './call.ts';

/** What every live adapter lets a caller tune; production uses the defaults, tests shorten them. */
export interface LiveAdapterOptions {
  retry?: Partial<RetryTimings>;
  /** How long an operation (start, stop, scale, ...) may take before it is reported as not done. */
  operationTimeoutMs?: number;
  /** Pause between two polls of a long-running operation. */
  pollIntervalMs?: number;
  /** The clock: which billing months are still open, so which cost lines are estimates, depends on it. */
  now?: () => Date;
}

export interface ResolvedLiveOptions {
  retry: RetryTimings;
  operationTimeoutMs: number;
  pollIntervalMs: number;
  now: () => Date;
}

export function resolveLiveOptions(options: LiveAdapterOptions = {}): ResolvedLiveOptions {
  return {
    retry: { ...DEFAULT_RETRY_TIMINGS, ...options.retry },
    operationTimeoutMs: options.operationTimeoutMs ?? 15 * 60_000,
    pollIntervalMs: options.pollIntervalMs ?? 10_000,
    now: options.now ?? (() => new Date()),
  };
}

/** `settings.regions` when it is a list of region names, else undefined (the provider's default). */
export function configuredRegions(account: CloudAccountRef): string[] | undefined {
  const regions = account.settings.regions;
  if (!Array.isArray(regions) || regions.length === 0) return undefined;
  return regions.filter((region): region is string => typeof region === 'string' && region.length > 0);
}

/** `settings.billing_period_start_day` when it is a day from 1 to 28 (an Azure pay-as-you-go subscription's sign-up day), else 1: calendar months. */
export function billingPeriodStartDay(account: CloudAccountRef): number {
  const day = account.settings.billing_period_start_day;
  return typeof day === 'number' && Number.isInteger(day) && day >= 1 && day <= 28 ? day : 1;
}

/** How messages name the account: the provider's id, and ours to find it in Stratus. */
export function accountLabel(kind: string, account: CloudAccountRef): string {
  return `${kind} ${account.account_id} (Stratus account ${account.id})`;
}

/** What every part of a live adapter works with. */
export interface LiveContext {
  account: CloudAccountRef;
  /** The account as messages name it (see accountLabel). */
  label: string;
  call: Call;
}
