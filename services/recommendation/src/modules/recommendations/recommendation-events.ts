/** The events of recommendations, built in one place each. */
import { RECOMMENDATION_PRIORITIES, type RecommendationPriority, type RecommendationPriorityLevel, type RecommendationsTable } from '@stratus/db';
import { outboxOf, type PublishManyItem } from '@stratus/events';
import type { Selectable } from 'kysely';

/** The service's outbox: its relay publishes what is written through it. */
export const outbox = outboxOf('recommendation');

export type RecommendationRow = Selectable<RecommendationsTable>;

/** The level's name of an integer priority (the nearest level at or below it). */
export function priorityLevel(priority: number): RecommendationPriorityLevel {
  const levels = Object.entries(RECOMMENDATION_PRIORITIES) as [RecommendationPriorityLevel, number][];
  return levels.filter(([, value]) => value <= priority).at(-1)?.[0] ?? 'low';
}

function common(row: RecommendationRow) {
  return {
    recommendation_id: row.id,
    ...(row.resource_id === null ? {} : { resource_id: row.resource_id }),
    ...(row.cloud_account_id === null ? {} : { cloud_account_id: row.cloud_account_id }),
    recommendation_type: row.recommendation_type,
    priority: row.priority as RecommendationPriority,
    ...(row.estimated_savings === null ? {} : { estimated_savings: row.estimated_savings }),
    ...(row.currency === null ? {} : { currency: row.currency }),
  };
}

export function createdEvent(row: RecommendationRow): PublishManyItem {
  return { type: 'recommendation.created', tenant: row.organization_id, data: { ...common(row), title: row.title } };
}

export function updatedEvent(row: RecommendationRow, change: string, previousStatus?: RecommendationRow['status']): PublishManyItem {
  return {
    type: 'recommendation.updated',
    tenant: row.organization_id,
    data: {
      ...common(row),
      change,
      status: row.status,
      ...(previousStatus === undefined || previousStatus === row.status ? {} : { previous_status: previousStatus }),
      version: row.version,
    },
  };
}

export function resolvedEvent(row: RecommendationRow & { status: 'resolved' | 'expired' }, reason: string): PublishManyItem {
  return { type: 'recommendation.resolved', tenant: row.organization_id, data: { ...common(row), status: row.status, reason } };
}
