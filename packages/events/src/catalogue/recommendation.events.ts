import { RECOMMENDATION_PRIORITIES, RECOMMENDATION_STATUSES } from '@stratus/db';
import { z } from 'zod';
import { defineEvent, nextVersion } from './event-definition.ts';
import { currency, decimal, id } from './fields.ts';

const recommendationCreatedV1 = defineEvent({
  type: 'recommendation.created',
  description: 'A savings recommendation was created for a resource or an account.',
  subject: 'recommendation_id',
  schema: z.object({
    recommendation_id: id,
    resource_id: id.optional(),
    cloud_account_id: id.optional(),
    /** e.g. rightsize, idle_resource, unattached_volume, reserved_instance. */
    recommendation_type: z.string().min(1),
    // Frozen as published: v2 carries the integer.
    priority: z.enum(['high', 'medium', 'low']),
    /** Expected monthly savings. */
    estimated_savings: decimal.optional(),
    currency: currency.optional(),
    title: z.string(),
  }),
  subjectOf: (data) => data.recommendation_id,
});

const priorityScale = Object.entries(RECOMMENDATION_PRIORITIES)
  .map(([level, value]) => `${value} ${level}`)
  .join(', ');

/** Priority as stored: seed 000's integer (recommendations.priority), higher first, on RECOMMENDATION_PRIORITIES. */
const priority = z
  .literal(Object.values(RECOMMENDATION_PRIORITIES))
  .describe(`How important, higher first, on the scale ${priorityScale}.`);

/** v2: `priority` is the recommendations.priority integer (higher is more important), as stored. */
export const recommendationCreated = nextVersion(recommendationCreatedV1, {
  schema: recommendationCreatedV1.schema.extend({ priority }),
  subjectOf: (data) => data.recommendation_id,
  upcast: (data) => ({ ...data, priority: RECOMMENDATION_PRIORITIES[data.priority] }),
});

// Every recommendation event is keyed by the recommendation, so its created, updated and resolved
// events reach a subscriber in the order they happened.

/** What every later recommendation event says about the recommendation. */
const recommendation = {
  recommendation_id: id,
  resource_id: id.optional(),
  cloud_account_id: id.optional(),
  recommendation_type: z.string().min(1),
  priority,
  /** Expected monthly savings. */
  estimated_savings: decimal.optional(),
  currency: currency.optional(),
};

export const recommendationUpdated = defineEvent({
  type: 'recommendation.updated',
  description:
    'A recommendation changed: new evidence or savings from a re-evaluation (change "evidence"), or a transition of its lifecycle (claim, succeed, fail, dismiss, snooze, reopen). `version` is its etag after the change; the latest version is its current state.',
  subject: 'recommendation_id',
  schema: z.object({
    ...recommendation,
    change: z.string().min(1),
    status: z.enum(RECOMMENDATION_STATUSES),
    previous_status: z.enum(RECOMMENDATION_STATUSES).optional(),
    version: z.int().positive(),
  }),
  subjectOf: (data) => data.recommendation_id,
});

export const recommendationResolved = defineEvent({
  type: 'recommendation.resolved',
  description:
    'A recommendation no longer applies: its resource is gone or no longer matches the rule (status "resolved"), or no evaluation confirmed it before it expired (status "expired").',
  subject: 'recommendation_id',
  schema: z.object({
    ...recommendation,
    status: z.enum(['resolved', 'expired']),
    /** resource_removed, no_longer_matches, not_confirmed. */
    reason: z.string().min(1),
  }),
  subjectOf: (data) => data.recommendation_id,
});
