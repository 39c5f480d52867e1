/**
 * Daily utilisation of simulated resources. A day's values are a function of (resource, date)
 * only, so the history of a date never changes, and the 30-day summary discovery reports is
 * computed from exactly the series simUtilizationHistory returns: it moves once a day, as a
 * monitoring service's would.
 */
import type { ResourceKind, UtilizationSummary } from '../adapter.ts';
import type { SimSpec } from './fleet.ts';
import { DAY_MS } from './format.ts';
import { fmix32, mix } from './random.ts';
import { segments, type SimChange } from './state.ts';

const SUMMARY_WINDOW_DAYS = 30;

/** One UTC day of a resource's utilisation; metrics absent where they do not apply to the kind. */
export interface SimUtilizationDay {
  date: string;
  cpu_avg?: number;
  cpu_p95?: number;
  memory_avg?: number;
  network_bytes?: number;
  requests?: number;
}

interface Metrics {
  cpu: boolean;
  network: boolean;
  requests: boolean;
}

const METRICS: Readonly<Record<ResourceKind, Metrics | null>> = {
  vm: { cpu: true, network: true, requests: false },
  k8s_node_pool: { cpu: true, network: true, requests: false },
  database: { cpu: true, network: false, requests: true },
  load_balancer: { cpu: false, network: true, requests: true },
  ip_address: { cpu: false, network: true, requests: false },
  bucket: { cpu: false, network: false, requests: true },
  disk: null,
  snapshot: null,
};

/** Kinds whose capacity is provisioned, so its use is a utilisation. */
const STORAGE_USE: ReadonlySet<ResourceKind> = new Set(['disk', 'database']);

const round2 = (value: number) => Math.round(value * 100) / 100;

/** One day's values, written in place: discovery measures millions of days and allocates none. */
interface DayValues {
  cpu_avg: number;
  cpu_p95: number;
  memory_avg: number;
  network_bytes: number;
  requests: number;
}

/**
 * How the resource was on day `day` (days since the epoch), into `into`: the share of the day it
 * was active, and its CPU scale (vCPUs at creation over vCPUs at the day's end; the same work on
 * fewer vCPUs after a resize shows as more CPU). False if it did not exist that day.
 */
function dayState(spec: SimSpec, changes: readonly SimChange[], day: number, into: { share: number; scale: number }): boolean {
  const start = day * DAY_MS;
  const end = start + DAY_MS;
  if (changes.length === 0) {
    if (spec.created_ms >= end) return false;
    into.share = spec.active ? 1 : 0;
    into.scale = 1;
    return true;
  }
  const parts = segments(spec, changes, start, end);
  if (parts.length === 0) return false;
  let activeMs = 0;
  let existingMs = 0;
  for (const part of parts) {
    existingMs += part.ms;
    if (part.spec.active) activeMs += part.ms;
  }
  const last = parts[parts.length - 1]!.spec;
  into.share = activeMs / existingMs;
  into.scale = spec.size.vcpus !== undefined && last.size.vcpus !== undefined ? spec.size.vcpus / last.size.vcpus : 1;
  return true;
}

/** The day's values of a resource active for `share` of the day, into `out`. */
function measureDay(spec: SimSpec, day: number, share: number, scale: number, out: DayValues): void {
  const profile = spec.profile;
  // Five noises in [-1, 1) from three hashes: 16 bits each is plenty for noise.
  const h1 = mix(spec.seed, day);
  const h2 = fmix32(h1 + 1);
  const h3 = fmix32(h2 + 1);
  const n1 = (h1 >>> 16) / 32768 - 1;
  const n2 = (h1 & 0xffff) / 32768 - 1;
  const n3 = (h2 >>> 16) / 32768 - 1;
  const n4 = (h2 & 0xffff) / 32768 - 1;
  const n5 = (h3 >>> 16) / 32768 - 1;
  // 1970-01-01 was a Thursday: (day + 4) % 7 is 0 on Sundays.
  const weekday = (day + 4) % 7;
  const weekly = weekday === 0 || weekday === 6 ? profile.weekend : 1;
  const peak = profile.cpu_p95 * scale;
  const running = share > 0;
  out.cpu_p95 = running ? round2(Math.min(100, peak * (1 + 0.06 * n1))) : 0;
  out.cpu_avg = round2(Math.min(out.cpu_p95, peak * profile.cpu_ratio * weekly * (1 + 0.1 * n2)) * share);
  out.memory_avg = running ? round2(Math.min(100, profile.memory * (1 + 0.05 * n3))) : 0;
  out.network_bytes = Math.round(profile.network_bytes * weekly * (1 + 0.3 * n4) * share);
  out.requests = Math.round(profile.requests * weekly * (1 + 0.3 * n5) * share);
}

/** The UTC days of a window of `days` days that ends before today. */
function windowDays(now: number, days: number): { first: number; end: number } {
  const today = Math.floor(now / DAY_MS);
  return { first: today - days, end: today };
}

export function utilizationHistory(spec: SimSpec, changes: readonly SimChange[], now: number, days: number): SimUtilizationDay[] {
  const metrics = METRICS[spec.kind];
  if (!metrics) return [];
  const { first, end } = windowDays(now, days);
  const out: DayValues = { cpu_avg: 0, cpu_p95: 0, memory_avg: 0, network_bytes: 0, requests: 0 };
  const state = { share: 0, scale: 1 };
  const series: SimUtilizationDay[] = [];
  for (let day = first; day < end; day++) {
    if (!dayState(spec, changes, day, state)) continue;
    measureDay(spec, day, state.share, state.scale, out);
    const entry: SimUtilizationDay = { date: new Date(day * DAY_MS).toISOString().slice(0, 10) };
    if (metrics.cpu) {
      entry.cpu_avg = out.cpu_avg;
      entry.cpu_p95 = out.cpu_p95;
      entry.memory_avg = out.memory_avg;
    }
    if (metrics.network) entry.network_bytes = out.network_bytes;
    if (metrics.requests) entry.requests = out.requests;
    series.push(entry);
  }
  return series;
}

const scratch: DayValues = { cpu_avg: 0, cpu_p95: 0, memory_avg: 0, network_bytes: 0, requests: 0 };
const scratchState = { share: 0, scale: 1 };

/**
 * The nearest-rank 95th percentile of n values is the k-th largest, k = n - ceil(0.95 n) + 1: at
 * most 2 for a window of 30 days, so only the top 2 daily peaks need keeping.
 */
function p95Rank(count: number): number {
  return count - Math.ceil(0.95 * count) + 1;
}
const TOP_KEPT = p95Rank(SUMMARY_WINDOW_DAYS);
const top = new Float64Array(TOP_KEPT);

function keepTop(value: number, seen: number): void {
  // top[0..min(seen, TOP_KEPT)) holds the largest values so far, in descending order.
  let i = Math.min(seen, TOP_KEPT);
  if (i === TOP_KEPT) {
    if (value <= top[TOP_KEPT - 1]!) return;
    i = TOP_KEPT - 1;
  }
  while (i > 0 && top[i - 1]! < value) {
    top[i] = top[i - 1]!;
    i--;
  }
  top[i] = value;
}

/**
 * The summary of the last 30 days of the series: means of the daily values, and as cpu_p95 the
 * 95th percentile (nearest rank) of the daily p95s. `current` is the resource as it is now, for
 * the facts that are not a series (storage in use, days since last attached).
 */
export function summarizeUtilization(spec: SimSpec, changes: readonly SimChange[], current: SimSpec, now: number): UtilizationSummary | undefined {
  if (spec.kind === 'snapshot') return undefined;
  const summary: UtilizationSummary = { window_days: SUMMARY_WINDOW_DAYS };
  const metrics = METRICS[spec.kind];
  if (metrics) {
    const { first, end } = windowDays(now, SUMMARY_WINDOW_DAYS);
    let count = 0;
    let cpu = 0;
    let memory = 0;
    let network = 0;
    let requests = 0;
    // Without changes, the resource's state is the same every day it existed.
    const steady = changes.length === 0;
    const from = steady ? Math.max(first, Math.floor(spec.created_ms / DAY_MS)) : first;
    if (steady) dayState(spec, changes, from, scratchState);
    for (let day = from; day < end; day++) {
      if (!steady && !dayState(spec, changes, day, scratchState)) continue;
      measureDay(spec, day, scratchState.share, scratchState.scale, scratch);
      keepTop(scratch.cpu_p95, count++);
      cpu += scratch.cpu_avg;
      memory += scratch.memory_avg;
      network += scratch.network_bytes;
      requests += scratch.requests;
    }
    if (count > 0) {
      if (metrics.cpu) {
        summary.cpu_avg = round2(cpu / count);
        summary.cpu_p95 = top[p95Rank(count) - 1]!;
        summary.memory_avg = round2(memory / count);
      }
      if (metrics.network) summary.network_bytes_per_day = Math.round(network / count);
      if (metrics.requests) summary.requests_per_day = Math.round(requests / count);
    }
  }
  if (STORAGE_USE.has(spec.kind)) summary.storage_used_pct = Math.round(spec.profile.storage_used_pct * 10) / 10;
  if ((current.kind === 'disk' || current.kind === 'ip_address') && current.attached_to === null) {
    summary.idle_days = Math.max(0, Math.floor((now - (current.last_attached_ms ?? current.created_ms)) / DAY_MS));
  }
  return summary;
}
