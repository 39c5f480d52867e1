import { IDLE_VM_THRESHOLDS } from './idle-vm.rule.ts';
import { displayName, isRunning, money, priorityOf, savingsOf, utilizationOf, type ResourceRule } from './rule.ts';

/**
 * A running non-production VM (tag env or environment: dev, test, staging, ...) that runs around
 * the clock: stop it outside working hours. The schedule is Cloud Custodian's off-hours tag,
 * weekdays 07:00-19:00 on and weekends off, i.e. 60 of 168 hours a week; applying the
 * recommendation tags the VM, the scheduler acts on the tag, and the tag can be edited per
 * resource (another time zone, other hours). VMs already carrying the tag, and idle VMs (idle_vm
 * stops them for good), are left out.
 */
export const OFF_HOURS = {
  tag: 'stratus:off-hours',
  schedule: 'off=(M-F,19);on=(M-F,7);tz=utc',
  hours_on_per_week: 60,
  environments: ['dev', 'development', 'test', 'testing', 'qa', 'staging', 'sandbox'],
} as const;

export const offHours: ResourceRule = {
  type: 'off_hours',
  description: 'A non-production VM running nights and weekends: schedule it off outside working hours.',
  evaluate(resource, context) {
    if (resource.type !== 'vm' || !isRunning(resource) || OFF_HOURS.tag in resource.tags) return null;
    const env = (resource.tags.env ?? resource.tags.environment)?.toLowerCase();
    if (env === undefined || !(OFF_HOURS.environments as readonly string[]).includes(env)) return null;
    const cpu = utilizationOf(resource)?.cpu_p95;
    if (cpu === undefined || cpu <= IDLE_VM_THRESHOLDS.cpu_p95_max) return null;
    const savings = savingsOf(resource, context, { what: 'compute', share: 1 - OFF_HOURS.hours_on_per_week / 168 });
    if (!savings || savings.monthly <= 0) return null;
    return {
      title: `Run ${displayName(resource)} in working hours only`,
      reason: `Tagged env=${env} and running around the clock; off from 19:00 to 07:00 and at weekends it runs ${OFF_HOURS.hours_on_per_week} of 168 hours a week, saving ${money(savings)} a month.`,
      evidence: { env, cpu_p95: cpu, schedule: OFF_HOURS.schedule, hours_on_per_week: OFF_HOURS.hours_on_per_week },
      savings,
      priority: priorityOf(savings),
      effort: 'low',
      restart_needed: true,
      reversible: true,
      action: { type: 'tag', parameters: { tags: { [OFF_HOURS.tag]: OFF_HOURS.schedule } } },
    };
  },
};
