import { describe, expect, it } from 'vitest';
import { cpuPerItem, cpuSnapshot, formatCpu } from './cpu.ts';

const cpuMs = (since: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

describe('cpuPerItem', () => {
  it("charges this process's main thread with the CPU it spends, per item", () => {
    const before = cpuSnapshot();
    const started = process.cpuUsage();
    // CPU time, not wall time: on a busy machine the spin may wait for a core.
    let spin = 0;
    while (cpuMs(started) < 300) spin += Math.sqrt(spin + 1);
    const spentMs = cpuMs(started);
    const spent = cpuPerItem(before, 100);
    expect(spin).toBeGreaterThan(0);
    const main = spent.programs.find(({ program }) => program === 'benchmark process (main thread)');
    // Over 100 items, each ms is 10 µs an item; the kernel counts in ticks of 10 ms.
    expect(main!.us).toBeGreaterThan((spentMs - 30) * 10);
    expect(main!.us).toBeLessThan((spentMs + 30) * 10);
    expect(spent.totalUs).toBeGreaterThanOrEqual(main!.us);
    expect(formatCpu(spent)).toMatch(/^\d+ µs \(.*benchmark process \(main thread\) \d+/);
  });
});
