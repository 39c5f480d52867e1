import { CloudCredentialsError, type DiscoveryWarning, type UtilizationSummary } from '../adapter.ts';

/** The trailing window every adapter reads utilisation over. */
export const UTILIZATION_WINDOW_DAYS = 30;

const DAY_MS = 86_400_000;

/** The window ending at the last whole hour, so that providers bucketing by hour see whole buckets. */
export function utilizationWindow(now = new Date()): { start: Date; end: Date } {
  const end = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  return { start: new Date(end.getTime() - UTILIZATION_WINDOW_DAYS * DAY_MS), end };
}

/**
 * CPU summary from hourly means (percent): the mean, and the nearest-rank 95th percentile of the
 * hours, for providers that do not compute a percentile of a gauge themselves.
 */
export function cpuFromSamples(samples: readonly number[]): UtilizationSummary | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil(0.95 * sorted.length) - 1;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { window_days: UTILIZATION_WINDOW_DAYS, cpu_avg: round(mean), cpu_p95: round(sorted[rank] as number) };
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Guards a discovery's metrics reads, which need a permission of their own that read-only roles
 * often lack. A refusal is not the inventory's failure: the read gives `fallback` (no utilisation),
 * the warning names the permission once, and the metrics are not asked for again in this discovery
 * (a thousand VMs would otherwise be a thousand refused calls). Other errors pass through.
 */
export function refusableMetrics(permission: string, onWarning: ((warning: DiscoveryWarning) => void) | undefined) {
  let refused = false;
  return async <T>(read: () => Promise<T>, fallback: T): Promise<T> => {
    if (refused) return fallback;
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof CloudCredentialsError)) throw error;
      // Concurrent reads may all be refused: the owner is told once.
      if (!refused) onWarning?.({ kind: 'metrics_unavailable', permission, message: error.message });
      refused = true;
      return fallback;
    }
  };
}
