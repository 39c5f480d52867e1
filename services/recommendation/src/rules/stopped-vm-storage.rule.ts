import { displayName, isRunning, money, priorityOf, savingsOf, utilizationOf, type ResourceRule } from './rule.ts';

/**
 * A VM stopped for the whole window (30 days, AWS Config's ec2-stopped-instance default) still pays
 * for its disks: snapshot them and delete the VM. "Stopped the whole window" is read from the
 * utilisation summary: no CPU on any day of a window of at least 30 days.
 */
export const STOPPED_VM_THRESHOLDS = { stopped_days_min: 30 } as const;

export const stoppedVmStorage: ResourceRule = {
  type: 'stopped_vm_storage',
  description: 'A VM stopped for a month still paying for its disks: snapshot and delete it.',
  evaluate(resource, context) {
    if (resource.type !== 'vm' || isRunning(resource)) return null;
    const use = utilizationOf(resource);
    if (!use || use.window_days < STOPPED_VM_THRESHOLDS.stopped_days_min || (use.cpu_p95 ?? 0) > 0) return null;
    const savings = savingsOf(resource, context, { what: 'all' });
    if (!savings || savings.monthly <= 0) return null;
    return {
      title: `Delete stopped VM ${displayName(resource)} and keep a snapshot`,
      reason: `Stopped (${resource.state}) for at least ${use.window_days} days while its disks are billed; a snapshot keeps them for less, saving ${money(savings)} a month.`,
      evidence: { window_days: use.window_days, state: resource.state, boot_disk_gb: resource.metadata.boot_disk_gb ?? null, thresholds: STOPPED_VM_THRESHOLDS },
      savings,
      priority: priorityOf(savings),
      effort: 'low',
      restart_needed: false,
      reversible: true,
      action: { type: 'delete', parameters: { snapshot_first: true } },
    };
  },
};
