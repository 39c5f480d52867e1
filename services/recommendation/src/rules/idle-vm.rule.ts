import { displayName, isRunning, money, priorityOf, savingsOf, utilizationOf, type ResourceRule } from './rule.ts';

/**
 * A running VM that does nothing: stop it.
 * Thresholds: CPU p95 (of the daily p95s) at most 5 % and network at most 5 MB a day over a window
 * of at least 14 days. Trusted Advisor's low-utilisation check asks CPU <= 10 % and network <= 5 MB
 * on 4 of 14 days; Azure Advisor's shutdown asks P95 of max CPU < 3 %. A p95 bound is stricter than
 * an average and catches VMs with a short daily batch, so 5 % sits between the two; 14 days is
 * Compute Optimizer's lookback. Between 5 % and 40 % the VM is a rightsizing candidate instead.
 */
export const IDLE_VM_THRESHOLDS = { cpu_p95_max: 5, network_bytes_per_day_max: 5_000_000, window_days_min: 14 } as const;

export const idleVm: ResourceRule = {
  type: 'idle_vm',
  description: 'A running VM with almost no CPU or network over the window: stop it.',
  evaluate(resource, context) {
    if (resource.type !== 'vm' || !isRunning(resource)) return null;
    const use = utilizationOf(resource);
    if (!use || use.cpu_p95 === undefined || use.window_days < IDLE_VM_THRESHOLDS.window_days_min) return null;
    const network = use.network_bytes_per_day ?? 0;
    if (use.cpu_p95 > IDLE_VM_THRESHOLDS.cpu_p95_max || network > IDLE_VM_THRESHOLDS.network_bytes_per_day_max) return null;
    const savings = savingsOf(resource, context, { what: 'compute' });
    if (!savings || savings.monthly <= 0) return null;
    return {
      title: `Stop idle VM ${displayName(resource)}`,
      reason: `CPU p95 ${use.cpu_p95}% and ${(network / 1e6).toFixed(2)} MB of network a day over ${use.window_days} days; stopping it saves ${money(savings)} a month (its disks stay billed).`,
      evidence: { window_days: use.window_days, cpu_p95: use.cpu_p95, cpu_avg: use.cpu_avg, network_bytes_per_day: network, thresholds: IDLE_VM_THRESHOLDS },
      savings,
      priority: priorityOf(savings),
      effort: 'very_low',
      restart_needed: true,
      reversible: true,
      action: { type: 'stop', parameters: {} },
    };
  },
};
