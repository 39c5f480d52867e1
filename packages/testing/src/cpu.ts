import { readdirSync, readFileSync } from 'node:fs';

/** CPU time spent so far, in ms, by thread (`pid/tid`), with the program it counts for. */
export type CpuSnapshot = Map<string, { program: string; ms: number }>;

/** The kernel counts CPU time in clock ticks of 10 ms (USER_HZ 100 on Linux). */
const TICK_MS = 10;

/** Processes a benchmark started, by pid, under the name their CPU is charged to (two services are both `node`). */
export type CpuLabels = ReadonlyMap<number, string>;

/**
 * Which program a thread's CPU counts for: this process's and each labelled one's main thread
 * apart from its others (V8's garbage collector, libuv's pool, a worker thread).
 */
function programOf(pid: string, name: string, thread: string, labels: CpuLabels): string {
  const label = pid === String(process.pid) ? 'benchmark process' : labels.get(Number(pid));
  if (label === undefined) return name;
  return thread === name ? `${label} (main thread)` : `${label} (other threads)`;
}

/**
 * The CPU time of every thread of the machine, read from /proc (Linux): a benchmark takes one
 * before and one after what it measures, and cpuPerItem tells where the time went. On a machine
 * whose cores are all busy, a rate is the cores divided by this.
 */
export function cpuSnapshot(labels: CpuLabels = new Map()): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const thread = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        // Fields after the name: state is the first, utime the 12th and stime the 13th.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        snapshot.set(`${pid}/${tid}`, { program: programOf(pid, name, thread, labels), ms: (Number(fields[11]) + Number(fields[12])) * TICK_MS });
      }
    } catch {
      // The process ended between the listing and the read: what it spent is gone with it.
    }
  }
  return snapshot;
}

/** The CPU time spent since `before` per item, by program, largest first (programs under 5 µs per item left out), and in all. */
export function cpuPerItem(before: CpuSnapshot, items: number, labels: CpuLabels = new Map()): { programs: { program: string; us: number }[]; totalUs: number } {
  const spent = new Map<string, number>();
  for (const [thread, { program, ms }] of cpuSnapshot(labels)) spent.set(program, (spent.get(program) ?? 0) + ms - (before.get(thread)?.ms ?? 0));
  const programs = [...spent]
    .map(([program, ms]) => ({ program, us: (ms * 1000) / items }))
    .filter(({ us }) => us >= 5)
    .sort((a, b) => b.us - a.us);
  return { programs, totalUs: programs.reduce((sum, { us }) => sum + us, 0) };
}

/** cpuPerItem on one line. */
export function formatCpu({ programs, totalUs }: ReturnType<typeof cpuPerItem>): string {
  return `${Math.round(totalUs)} µs (${programs.map(({ program, us }) => `${program} ${Math.round(us)}`).join(', ')})`;
}
