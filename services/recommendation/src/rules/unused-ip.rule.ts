import { daysSince, displayName, money, priorityOf, savingsOf, utilizationOf, type ResourceRule } from './rule.ts';

/**
 * A public IP address associated with nothing for 15 days (GCP Recommender's idle IP; Trusted
 * Advisor's unassociated Elastic IP): release it. The address itself cannot be got back.
 */
export const UNUSED_IP_THRESHOLDS = { idle_days_min: 15 } as const;

export const unusedIp: ResourceRule = {
  type: 'unused_ip',
  description: 'A public IP address associated with nothing: release it.',
  evaluate(resource, context) {
    if (resource.type !== 'ip_address' || resource.metadata.attached_to !== null) return null;
    const idleDays = utilizationOf(resource)?.idle_days ?? daysSince(resource, 'created_at', context.now);
    if (idleDays === undefined || idleDays < UNUSED_IP_THRESHOLDS.idle_days_min) return null;
    const savings = savingsOf(resource, context, { what: 'all' });
    if (!savings || savings.monthly <= 0) return null;
    return {
      title: `Release unused IP address ${displayName(resource)}`,
      reason: `Associated with nothing for ${idleDays} days; releasing it saves ${money(savings)} a month.`,
      evidence: { idle_days: idleDays, ip_address: resource.metadata.ip_address ?? null, thresholds: UNUSED_IP_THRESHOLDS },
      savings,
      priority: priorityOf(savings),
      effort: 'very_low',
      restart_needed: false,
      reversible: false,
      action: { type: 'delete', parameters: {} },
    };
  },
};
