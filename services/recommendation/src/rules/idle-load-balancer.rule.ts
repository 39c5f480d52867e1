import { displayName, money, priorityOf, savingsOf, utilizationOf, type ResourceRule } from './rule.ts';

/**
 * A load balancer serving fewer than 100 requests a day over at least 7 days (Trusted Advisor's
 * idle load balancer): delete it.
 */
export const IDLE_LOAD_BALANCER_THRESHOLDS = { requests_per_day_max: 100, window_days_min: 7 } as const;

export const idleLoadBalancer: ResourceRule = {
  type: 'idle_load_balancer',
  description: 'A load balancer with almost no requests: delete it.',
  evaluate(resource, context) {
    if (resource.type !== 'load_balancer') return null;
    const use = utilizationOf(resource);
    if (!use || use.requests_per_day === undefined || use.window_days < IDLE_LOAD_BALANCER_THRESHOLDS.window_days_min) return null;
    if (use.requests_per_day >= IDLE_LOAD_BALANCER_THRESHOLDS.requests_per_day_max) return null;
    const savings = savingsOf(resource, context, { what: 'all' });
    if (!savings || savings.monthly <= 0) return null;
    return {
      title: `Delete idle load balancer ${displayName(resource)}`,
      reason: `${use.requests_per_day} requests a day over ${use.window_days} days; deleting it saves ${money(savings)} a month.`,
      evidence: { window_days: use.window_days, requests_per_day: use.requests_per_day, network_bytes_per_day: use.network_bytes_per_day ?? null, thresholds: IDLE_LOAD_BALANCER_THRESHOLDS },
      savings,
      priority: priorityOf(savings),
      effort: 'low',
      restart_needed: false,
      reversible: false,
      action: { type: 'delete', parameters: {} },
    };
  },
};
