import { daysSince, displayName, money, priorityOf, savingsOf, type ResourceRule } from './rule.ts';

/**
 * A snapshot older than 90 days (Thrifty's snapshot age control): backups that old are rarely
 * restored, and a backup policy that keeps them keeps them on purpose (dismiss with
 * valid_business_case). Deleting cannot be undone.
 */
export const OLD_SNAPSHOT_THRESHOLDS = { age_days_min: 90 } as const;

export const oldSnapshot: ResourceRule = {
  type: 'old_snapshot',
  description: 'A snapshot older than 90 days: delete it.',
  evaluate(resource, context) {
    if (resource.type !== 'snapshot') return null;
    const age = daysSince(resource, 'created_at', context.now);
    if (age === undefined || age < OLD_SNAPSHOT_THRESHOLDS.age_days_min) return null;
    const savings = savingsOf(resource, context, { what: 'all' });
    if (!savings || savings.monthly <= 0) return null;
    return {
      title: `Delete old snapshot ${displayName(resource)}`,
      reason: `Taken ${age} days ago${resource.metadata.source_id ? ` of ${String(resource.metadata.source_id)}` : ''}; deleting it saves ${money(savings)} a month.`,
      evidence: { age_days: age, created_at: resource.metadata.created_at ?? null, size_gb: resource.metadata.size_gb ?? null, source_id: resource.metadata.source_id ?? null, thresholds: OLD_SNAPSHOT_THRESHOLDS },
      savings,
      priority: priorityOf(savings),
      effort: 'very_low',
      restart_needed: false,
      reversible: false,
      action: { type: 'delete', parameters: {} },
    };
  },
};
