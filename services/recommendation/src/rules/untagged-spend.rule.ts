import { RECOMMENDATION_PRIORITIES, type CloudProvider } from '@stratus/db';
import { roundCents, type Finding } from './rule.ts';

/** One account's monthly spend on its resources, and the part on resources without any tag. */
export interface AccountSpend {
  cloud_account_id: string;
  provider: CloudProvider;
  currency: string;
  /** Billed cost per month of the account's resources with cost lines. */
  monthly: number;
  untagged_monthly: number;
  untagged_resources: number;
  /** The largest untagged resources, to start with. */
  top: readonly { resource_id: string; name: string | null; monthly: number }[];
}

export interface AccountRule {
  type: string;
  description: string;
  evaluate(spend: AccountSpend): Finding | null;
}

/**
 * More than 10 % of an account's spend on resources without tags cannot be allocated to a team or
 * a cost centre (the FinOps Foundation's allocation KPI targets 90 % allocated). Tagging saves
 * nothing by itself, so the recommendation carries no savings and no action: people tag.
 */
export const UNTAGGED_SPEND_THRESHOLDS = { share_min: 0.1 } as const;

export const untaggedSpend: AccountRule = {
  type: 'untagged_spend',
  description: 'Too much of an account\'s spend is on untagged resources: tag them.',
  evaluate(spend) {
    if (spend.monthly <= 0) return null;
    const share = spend.untagged_monthly / spend.monthly;
    if (share <= UNTAGGED_SPEND_THRESHOLDS.share_min) return null;
    const percent = Math.round(share * 1000) / 10;
    return {
      title: `Tag the resources behind ${percent}% of the account's spend`,
      reason: `${spend.untagged_resources} resources without tags cost ${roundCents(spend.untagged_monthly).toFixed(2)} of ${roundCents(spend.monthly).toFixed(2)} ${spend.currency} a month, which no team or cost centre can be charged for.`,
      evidence: {
        untagged_monthly: roundCents(spend.untagged_monthly),
        monthly: roundCents(spend.monthly),
        currency: spend.currency,
        share: Math.round(share * 10_000) / 10_000,
        untagged_resources: spend.untagged_resources,
        top: spend.top.map((resource) => ({ ...resource, monthly: roundCents(resource.monthly) })),
        thresholds: UNTAGGED_SPEND_THRESHOLDS,
      },
      savings: null,
      priority: RECOMMENDATION_PRIORITIES.medium,
      effort: 'medium',
      restart_needed: false,
      reversible: true,
      action: null,
    };
  },
};
