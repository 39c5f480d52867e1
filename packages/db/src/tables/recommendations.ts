import type {
  ColumnsOf,
  Generated,
  GeneratedJsonb,
  GeneratedTimestamp,
  NullableJsonb,
  NullableNumeric,
  NullableTimestamp,
} from './column-types.ts';
import type { CloudProvider, OperationStatus, RecommendationStatus } from './enums.ts';

export interface RecommendationsTable {
  id: Generated<string>;
  organization_id: string;
  cloud_account_id: string | null;
  resource_id: string | null;
  user_id: string | null;
  provider: CloudProvider;
  /** rightsize, idle_resource, reserved_instance, ... */
  recommendation_type: string;
  title: string;
  reason: string | null;
  status: Generated<RecommendationStatus>;
  /** Higher is more important (seed 000); 0 by default. */
  priority: Generated<number>;
  /** Expected monthly savings (seed 000's `impact`). */
  estimated_savings: NullableNumeric;
  currency: string | null;
  details: GeneratedJsonb;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
  expires_at: NullableTimestamp;
  /** The resource, or the account for account-wide findings; kept when the resource goes (migration RecommendationLifecycle). */
  subject_id: string;
  /** The etag: bumped by every change; a transition names the version it saw. */
  version: Generated<number>;
  /** Hash of the evidence, so an unchanged evaluation writes nothing. */
  fingerprint: string | null;
  /** Of the last transition: { reason_code, note } of a dismissal, an action's outcome, ... */
  state_metadata: GeneratedJsonb;
  snoozed_until: NullableTimestamp;
  /** When an evaluation last confirmed (or created) the recommendation. */
  evaluated_at: GeneratedTimestamp;
}

/** One change of a recommendation: created, updated (new evidence) or a status transition. */
export interface RecommendationHistoryTable {
  id: Generated<string>;
  organization_id: string;
  recommendation_id: string;
  /** created, updated, or the transition's verb (claim, dismiss, snooze, reopen, resolve, ...). */
  change: string;
  from_status: RecommendationStatus | null;
  to_status: RecommendationStatus;
  version: number;
  user_id: string | null;
  details: GeneratedJsonb;
  created_at: GeneratedTimestamp;
}

export interface RecommendationActionsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string | null;
  recommendation_id: string;
  /** apply / ignore */
  action: string;
  status: Generated<OperationStatus>;
  result: NullableJsonb;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface RecommendationTables {
  recommendations: RecommendationsTable;
  recommendation_actions: RecommendationActionsTable;
}

export const recommendationColumns: ColumnsOf<RecommendationTables> = {
  recommendations: {
    id: 'not null',
    organization_id: 'not null',
    cloud_account_id: 'null',
    resource_id: 'null',
    user_id: 'null',
    provider: 'not null',
    recommendation_type: 'not null',
    title: 'not null',
    reason: 'null',
    status: 'not null',
    priority: 'not null',
    estimated_savings: 'null',
    currency: 'null',
    details: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
    expires_at: 'null',
    subject_id: 'not null',
    version: 'not null',
    fingerprint: 'null',
    state_metadata: 'not null',
    snoozed_until: 'null',
    evaluated_at: 'not null',
  },
  recommendation_actions: {
    id: 'not null',
    organization_id: 'not null',
    user_id: 'null',
    recommendation_id: 'not null',
    action: 'not null',
    status: 'not null',
    result: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};

export interface RecommendationHistoryTables {
  recommendation_history: RecommendationHistoryTable;
}

export const recommendationHistoryColumns: ColumnsOf<RecommendationHistoryTables> = {
  recommendation_history: {
    id: 'not null',
    organization_id: 'not null',
    recommendation_id: 'not null',
    change: 'not null',
    from_status: 'null',
    to_status: 'not null',
    version: 'not null',
    user_id: 'null',
    details: 'not null',
    created_at: 'not null',
  },
};
