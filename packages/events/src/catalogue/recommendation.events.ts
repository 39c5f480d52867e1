import { z } from 'zod';
import { RECOMMENDATION_PRIORITIES } from '@stratus/db';
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

/** v2: `priority` is the recommendations.priority integer (higher is more important), as stored. */
export const recommendationCreated = nextVersion(recommendationCreatedV1, {
  schema: recommendationCreatedV1.schema.extend({
    priority: z
      .literal(Object.values(RECOMMENDATION_PRIORITIES))
      .describe(`How important, higher first, on the scale ${priorityScale}.`),
  }),
  subjectOf: (data) => data.recommendation_id,
  upcast: (data) => ({ ...data, priority: RECOMMENDATION_PRIORITIES[data.priority] }),
});
