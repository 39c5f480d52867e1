import type { CloudProvider } from '@stratus/db';
import { IDLE_VM_THRESHOLDS } from './idle-vm.rule.ts';
import { displayName, isRunning, money, priorityOf, savingsOf, sizesOf, textOf, utilizationOf, type ResourceRule } from './rule.ts';

/**
 * A running VM bigger than its load: resize it to the cheapest type of the same family on which
 * the load still fits. Thresholds are Azure Advisor's for non-user-facing workloads: on the target
 * size the CPU p95 stays at or under 40 % and memory at or under 60 % (projected by the ratio of
 * vCPUs and of memory), over at least 14 days. Idle VMs (CPU p95 <= 5 %) are idle_vm's.
 */
export const RIGHTSIZE_THRESHOLDS = { cpu_p95_target_max: 40, memory_target_max: 60, window_days_min: 14 } as const;

/** The family a size belongs to: sizes of one family differ only in vCPUs and memory. */
export function familyOf(provider: CloudProvider, size: string): string {
  switch (provider) {
    case 'AWS':
      return size.slice(0, size.lastIndexOf('.'));
    case 'AZURE':
      return size.replace(/^(Standard_[A-Za-z]+)\d+/, '$1#');
    case 'GCP':
      return size.replace(/-\d+$/, '-#');
  }
}

export const rightsizeVm: ResourceRule = {
  type: 'rightsize_vm',
  description: 'A running VM whose load fits a cheaper type of its family: resize it.',
  evaluate(resource, context) {
    if (resource.type !== 'vm' || !isRunning(resource)) return null;
    const use = utilizationOf(resource);
    const size = textOf(resource, 'instance_type') ?? textOf(resource, 'size') ?? textOf(resource, 'machine_type');
    if (!use || use.cpu_p95 === undefined || use.memory_avg === undefined || size === undefined) return null;
    if (use.window_days < RIGHTSIZE_THRESHOLDS.window_days_min || use.cpu_p95 <= IDLE_VM_THRESHOLDS.cpu_p95_max) return null;
    const sizes = sizesOf(resource);
    const current = sizes?.find((sku) => sku.name === size);
    if (!sizes || !current?.vcpus || !current.memory_gb) return null;
    const family = familyOf(resource.provider, size);
    const fits = sizes.filter(
      (sku) =>
        sku.vcpus !== undefined &&
        sku.memory_gb !== undefined &&
        sku.price < current.price &&
        familyOf(resource.provider, sku.name) === family &&
        (use.cpu_p95! * current.vcpus!) / sku.vcpus <= RIGHTSIZE_THRESHOLDS.cpu_p95_target_max &&
        (use.memory_avg! * current.memory_gb!) / sku.memory_gb <= RIGHTSIZE_THRESHOLDS.memory_target_max,
    );
    const target = fits.sort((a, b) => a.price - b.price)[0];
    if (!target) return null;
    const savings = savingsOf(resource, context, { what: 'compute', share: 1 - target.price / current.price });
    if (!savings || savings.monthly <= 0) return null;
    const projected = { cpu_p95: Math.round(((use.cpu_p95 * current.vcpus) / target.vcpus!) * 10) / 10, memory_avg: Math.round(((use.memory_avg * current.memory_gb) / target.memory_gb!) * 10) / 10 };
    return {
      title: `Resize ${displayName(resource)} from ${size} to ${target.name}`,
      reason: `CPU p95 ${use.cpu_p95}% and memory ${use.memory_avg}% over ${use.window_days} days would be ${projected.cpu_p95}% and ${projected.memory_avg}% on ${target.name}; saves ${money(savings)} a month.`,
      evidence: { window_days: use.window_days, cpu_p95: use.cpu_p95, memory_avg: use.memory_avg, current: { size, hourly: current.price }, target: { size: target.name, hourly: target.price }, projected, thresholds: RIGHTSIZE_THRESHOLDS },
      savings,
      priority: priorityOf(savings),
      effort: 'low',
      restart_needed: true,
      reversible: true,
      action: { type: 'scale', parameters: { size: target.name } },
    };
  },
};
