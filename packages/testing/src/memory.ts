import { readFileSync } from 'node:fs';

/**
 * A process's peak resident set (VmHWM) since it started, in MiB: this one's by default. A module
 * of its own, importing nothing else, so that a measured process loads no more than it measures.
 */
export function peakRssMiB(pid: number = process.pid): number {
  const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kib === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kib) / 1024;
}
