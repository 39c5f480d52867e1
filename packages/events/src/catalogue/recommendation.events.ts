import { z } from 'zod';
import { defineEvent } from './event-definition.ts';
import { currency, decimal, id } from './fields.ts';

export const recommendationCreated = defineEvent({
  type: 'recommendation.created',
  version: 1,
  description: 'A savings recommendation was created for a resource or an account.',
  subject: 'recommendation_id',
  schema: z.object({
    recommendation_id: id,
    resource_id: id.optional(),
    cloud_account_id: id.optional(),
    /** e.g. rightsize, idle_resource, unattached_volume, reserved_instance. */
    recommendation_type: z.string().min(1),
    priority: z.enum(['high', 'medium', 'low']),
    /** Expected monthly savings. */
    estimated_savings: decimal.optional(),
    currency: currency.optional(),
    title: z.string(),
  }),
  subjectOf: (data) => data.recommendation_id,
});
