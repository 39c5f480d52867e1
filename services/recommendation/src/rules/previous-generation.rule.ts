import type { CloudProvider } from '@stratus/db';
import { displayName, money, priorityOf, savingsOf, sizesOf, textOf, type ResourceRule } from './rule.ts';
import { familyOf } from './rightsize-vm.rule.ts';

/**
 * Previous-generation volume classes and instance families with a current successor that costs
 * less for the same capacity (Thrifty's gp2 -> gp3, io1 -> io2 and t2/m3/m4 controls). A pair is
 * recommended only where the price list shows a saving, so a successor at the same price (m5 ->
 * m6i) is not worth a restart to this rule.
 */
export const SUCCESSORS: Readonly<Record<CloudProvider, { volumes: Record<string, string>; families: Record<string, string> }>> = {
  AWS: { volumes: { gp2: 'gp3', io1: 'io2', standard: 'gp3' }, families: { t2: 't3', m3: 'm6i', m4: 'm6i', c4: 'c6i', r4: 'r6i' } },
  AZURE: { volumes: {}, families: { 'Standard_D#s_v3': 'Standard_D#s_v5', 'Standard_E#s_v3': 'Standard_E#s_v5' } },
  GCP: { volumes: {}, families: { 'n1-standard-#': 'n2-standard-#' } },
};

export const previousGeneration: ResourceRule = {
  type: 'previous_generation',
  description: 'A disk class or instance family with a cheaper current generation: migrate it.',
  evaluate(resource, context) {
    const successors = SUCCESSORS[resource.provider];
    const sizes = sizesOf(resource);
    if (!sizes) return null;
    let from: string | undefined;
    let to: string | undefined;
    if (resource.type === 'disk') {
      from = textOf(resource, 'volume_type') ?? textOf(resource, 'sku') ?? textOf(resource, 'disk_type');
      to = from === undefined ? undefined : successors.volumes[from];
    } else if (resource.type === 'vm') {
      from = textOf(resource, 'instance_type') ?? textOf(resource, 'size') ?? textOf(resource, 'machine_type');
      const family = from === undefined ? undefined : successors.families[familyOf(resource.provider, from)];
      const current = sizes.find((sku) => sku.name === from);
      // The successor's size with the same vCPUs and memory.
      to = sizes.find((sku) => family !== undefined && familyOf(resource.provider, sku.name) === family && sku.vcpus === current?.vcpus && sku.memory_gb === current?.memory_gb)?.name;
    }
    const current = sizes.find((sku) => sku.name === from);
    const next = sizes.find((sku) => sku.name === to);
    if (!current || !next || next.price >= current.price) return null;
    const savings = savingsOf(resource, context, { what: resource.type === 'disk' ? 'all' : 'compute', share: 1 - next.price / current.price });
    if (!savings || savings.monthly <= 0) return null;
    const disk = resource.type === 'disk';
    return {
      title: `Move ${displayName(resource)} from ${current.name} to ${next.name}`,
      reason: `${current.name} is a previous generation; ${next.name} costs ${next.price} instead of ${current.price} per ${disk ? 'GB-month' : 'hour'} for the same capacity, saving ${money(savings)} a month.`,
      evidence: { current: { name: current.name, price: current.price, unit: current.unit }, successor: { name: next.name, price: next.price, unit: next.unit } },
      savings,
      priority: priorityOf(savings),
      effort: disk ? 'very_low' : 'low',
      // EBS volumes change type while attached; an instance type needs a stop and start.
      restart_needed: !disk,
      reversible: true,
      action: { type: 'scale', parameters: { size: next.name } },
    };
  },
};
