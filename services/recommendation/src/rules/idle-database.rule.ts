import { displayName, isRunning, money, priorityOf, savingsOf, utilizationOf, type ResourceRule } from './rule.ts';

/**
 * A running database with CPU p95 at most 10 % and fewer than 100 requests (connections) a day
 * over at least 7 days: stop it (its storage stays billed). Trusted Advisor's idle RDS asks for no
 * connection in 7 days and Thrifty's fewer than 2 a day, which a connection pool's health checks
 * defeat; a CPU bound keeps the rule off databases that are busy with few connections.
 */
export const IDLE_DATABASE_THRESHOLDS = { cpu_p95_max: 10, requests_per_day_max: 100, window_days_min: 7 } as const;

export const idleDatabase: ResourceRule = {
  type: 'idle_database',
  description: 'A running database with almost no load or connections: stop it.',
  evaluate(resource, context) {
    if (resource.type !== 'database' || !isRunning(resource)) return null;
    const use = utilizationOf(resource);
    if (!use || use.cpu_p95 === undefined || use.requests_per_day === undefined) return null;
    if (use.window_days < IDLE_DATABASE_THRESHOLDS.window_days_min) return null;
    if (use.cpu_p95 > IDLE_DATABASE_THRESHOLDS.cpu_p95_max || use.requests_per_day >= IDLE_DATABASE_THRESHOLDS.requests_per_day_max) return null;
    const savings = savingsOf(resource, context, { what: 'compute' });
    if (!savings || savings.monthly <= 0) return null;
    return {
      title: `Stop idle database ${displayName(resource)}`,
      reason: `CPU p95 ${use.cpu_p95}% and ${use.requests_per_day} requests a day over ${use.window_days} days; stopping it saves ${money(savings)} a month (its storage stays billed).`,
      evidence: { window_days: use.window_days, cpu_p95: use.cpu_p95, requests_per_day: use.requests_per_day, thresholds: IDLE_DATABASE_THRESHOLDS },
      savings,
      priority: priorityOf(savings),
      effort: 'low',
      restart_needed: true,
      reversible: true,
      action: { type: 'stop', parameters: {} },
    };
  },
};
