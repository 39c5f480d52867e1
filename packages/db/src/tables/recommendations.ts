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
