import { z } from 'zod';
import { defineEvent } from './event-definition.ts';
import { decimal, id, jsonObject, provider, tags, timestamp } from './fields.ts';

const resource = z.object({
  id,
  cloud_account_id: id,
  provider,
  provider_resource_id: z.string().min(1),
  name: z.string(),
  /** EC2, VM, ComputeEngine, RDS, Storage, ... */
  type: z.string().min(1),
  /** null for global resources. */
  region: z.string().nullable(),
  /** null where the provider has no zone for it. */
  zone: z.string().nullable(),
  /** The provider's state: running, stopped, active, ... */
  state: z.string(),
  tags,
  metadata: jsonObject,
  cost_daily: decimal.optional(),
  cost_monthly: decimal.optional(),
  discovered_at: timestamp,
  last_seen: timestamp,
});

export const resourceDiscovered = defineEvent({
  type: 'resource.discovered',
  description:
    'Discovery saw a resource that is new or changed. Carries the whole resource as stored, so a consumer can upsert it without reading the inventory.',
  subject: 'resource.id (our resource uuid)',
  schema: z.object({
    change: z.enum(['created', 'updated']),
    /**
     * For `updated`: the resource fields that changed; `utilization` when the resource's utilisation
     * came or went (measured before and not now, or the other way round). New values of a
     * utilisation still measured are no change.
     */
    changed_fields: z.array(z.string()).optional(),
    resource,
  }),
  subjectOf: (data) => data.resource.id,
});

export const resourceRemoved = defineEvent({
  type: 'resource.removed',
  description: 'A resource was no longer found by discovery (deleted at the provider, or out of scope).',
  subject: 'resource_id',
  schema: z.object({
    resource_id: id,
    cloud_account_id: id,
    provider,
    provider_resource_id: z.string().min(1),
    last_seen: timestamp,
  }),
  subjectOf: (data) => data.resource_id,
});

const driftedValue = z.union([z.string(), tags]).nullable();

export const resourceDrifted = defineEvent({
  type: 'resource.drifted',
  description:
    'A resource managed by Terraform was discovered with a type, size or tags other than its state says. Published once per drift: ' +
    'a sync that finds the same drift again publishes nothing; a drift that changes, or comes back after being resolved, is published again.',
  subject: 'resource_id',
  schema: z.object({
    resource_id: id,
    cloud_account_id: id,
    provider,
    provider_resource_id: z.string().min(1),
    terraform_state_id: id,
    /** module.network.aws_instance.web["a"] */
    address: z.string().min(1),
    drifted: z
      .array(
        z.object({
          field: z.enum(['type', 'size', 'tags']),
          /** The attribute in code: instance_type, tags, ... (for type: the resource type). */
          attribute: z.string(),
          /** What the state says. */
          expected: driftedValue,
          /** What discovery found. */
          actual: driftedValue,
        }),
      )
      .min(1),
  }),
  subjectOf: (data) => data.resource_id,
});
