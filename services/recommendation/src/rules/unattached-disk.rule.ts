import { daysSince, displayName, money, priorityOf, savingsOf, utilizationOf, type ResourceRule } from './rule.ts';

/**
 * A disk attached to nothing for 15 days or more: snapshot it, then delete it (GCP Recommender's
 * idle disk: detached >= 15 days -> snapshot then delete; Trusted Advisor flags any unattached
 * volume). The snapshot keeps the data at a fraction of the price, so the action is reversible.
 */
export const UNATTACHED_DISK_THRESHOLDS = { idle_days_min: 15 } as const;

export const unattachedDisk: ResourceRule = {
  type: 'unattached_disk',
  description: 'A disk attached to nothing for weeks: snapshot it and delete it.',
  evaluate(resource, context) {
    if (resource.type !== 'disk' || resource.metadata.attached_to !== null) return null;
    // The provider's own count where it gives one, else the days since it was created.
    const idleDays = utilizationOf(resource)?.idle_days ?? daysSince(resource, 'created_at', context.now);
    if (idleDays === undefined || idleDays < UNATTACHED_DISK_THRESHOLDS.idle_days_min) return null;
    const savings = savingsOf(resource, context, { what: 'all' });
    if (!savings || savings.monthly <= 0) return null;
    return {
      title: `Delete unattached disk ${displayName(resource)}`,
      reason: `Attached to nothing for ${idleDays} days; a snapshot keeps its data, deleting it saves ${money(savings)} a month.`,
      evidence: { idle_days: idleDays, last_attached_at: resource.metadata.last_attached_at ?? null, size_gb: resource.metadata.size_gb ?? null, thresholds: UNATTACHED_DISK_THRESHOLDS },
      savings,
      priority: priorityOf(savings),
      effort: 'very_low',
      restart_needed: false,
      reversible: true,
      action: { type: 'delete', parameters: { snapshot_first: true } },
    };
  },
};
