import { randomUUID } from 'node:crypto';
import type { EventDataInput, EventType } from '../src/index.ts';

/** One valid payload per event type; the mapped type makes a new catalogue entry fail to compile here. */
export function samples(): { [T in EventType]: EventDataInput<T> } {
  const cloudAccountId = randomUUID();
  const resourceId = randomUUID();
  const actionId = randomUUID();
  const operationId = randomUUID();
  const account = { cloud_account_id: cloudAccountId, provider: 'AWS', account_id: '123456789012', name: 'prod' } as const;
  return {
    'cloud_account.linked': { ...account, user_id: randomUUID() },
    'cloud_account.unlinked': account,
    'resource.discovered': {
      change: 'updated',
      changed_fields: ['state'],
      resource: {
        id: resourceId,
        cloud_account_id: cloudAccountId,
        provider: 'AWS',
        provider_resource_id: 'i-0abc123',
        name: 'web-1',
        type: 'EC2',
        region: 'eu-west-1',
        zone: 'eu-west-1a',
        state: 'running',
        tags: { env: 'prod' },
        metadata: { instance_type: 't3.large' },
        cost_daily: '1.9968',
        discovered_at: '2025-11-20T10:00:00.000Z',
        last_seen: '2025-11-22T10:00:00.000Z',
      },
    },
    'resource.removed': {
      resource_id: resourceId,
      cloud_account_id: cloudAccountId,
      provider: 'AWS',
      provider_resource_id: 'i-0abc123',
      last_seen: '2025-11-22T10:00:00.000Z',
    },
    'cost.ingested': {
      import_id: randomUUID(),
      cloud_account_id: cloudAccountId,
      provider: 'AWS',
      source: 'provider',
      batch: { index: 0, final: true },
      summary: { batches: 1, rows: 1, period: { start: '2025-11-21T00:00:00Z', end: '2025-11-22T00:00:00Z' } },
      rows: [
        {
          charge_period_start: '2025-11-21T00:00:00Z',
          charge_period_end: '2025-11-22T00:00:00Z',
          billed_cost: '1.9968',
          effective_cost: '1.5000',
          list_cost: '1.9968',
          currency: 'USD',
          service_name: 'Amazon Elastic Compute Cloud',
          service_category: 'Compute',
          region_id: 'eu-west-1',
          resource_id: resourceId,
          provider_resource_id: 'i-0abc123',
          charge_category: 'Usage',
          tags: { env: 'prod' },
          granularity: 'daily',
        },
      ],
    },
    'cost.aggregated': {
      cloud_account_id: cloudAccountId,
      day: '2025-11-21',
      currency: 'USD',
      total: '41.20',
      by_service: { 'Amazon Elastic Compute Cloud': '30.00', 'Amazon S3': '11.20' },
      previous_total: '40.00',
    },
    'cost_import.applied': {
      import_id: randomUUID(),
      cloud_account_id: cloudAccountId,
      rows: 942,
      period: { start: '2025-11-01T00:00:00.000Z', end: '2025-12-01T00:00:00.000Z' },
      applied_at: '2025-12-02T08:00:00.000Z',
    },
    'cost_import.refused': {
      import_id: randomUUID(),
      cloud_account_id: cloudAccountId,
      reason: 'the import\'s period starts at 2024-01-01T00:00:00.000Z is before the raw retention horizon 2024-10-01T00:00:00.000Z (COST_RAW_RETENTION_MONTHS=13; raise it to import older costs)',
      refused_at: '2025-12-02T08:00:00.000Z',
    },
    'budget.threshold_crossed': {
      budget_id: randomUUID(),
      budget_name: 'Production',
      threshold: '80',
      threshold_type: 'actual',
      period_start: '2025-11-01',
      period_end: '2025-11-30',
      spend: '8123.45',
      budget_amount: '10000',
      currency: 'USD',
    },
    'recommendation.created': {
      recommendation_id: randomUUID(),
      resource_id: resourceId,
      cloud_account_id: cloudAccountId,
      recommendation_type: 'rightsize',
      priority: 'high',
      estimated_savings: '35.04',
      currency: 'USD',
      title: 'Downsize web-1 from t3.large to t3.medium',
    },
    'action.requested': {
      action_id: actionId,
      action_type: 'stop',
      resource_id: resourceId,
      parameters: {},
      requires_approval: false,
    },
    'action.completed': {
      action_id: actionId,
      operation_id: operationId,
      action_type: 'stop',
      resource_id: resourceId,
      result: { state: 'stopped' },
    },
    'action.failed': {
      action_id: actionId,
      operation_id: operationId,
      action_type: 'stop',
      resource_id: resourceId,
      error: { message: 'instance is in an invalid state', retryable: false },
    },
  };
}
