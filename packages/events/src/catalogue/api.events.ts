import { z } from 'zod';
import { defineEvent } from './event-definition.ts';
import { id } from './fields.ts';

export const apiRequestRecorded = defineEvent({
  type: 'api.request_recorded',
  description:
    'An authenticated API call that changes something (POST, PUT, PATCH, DELETE), or any call refused with 401 or 403, ' +
    'published by the service that served it for the audit trail.',
  subject: 'resource_id, else route',
  schema: z.object({
    /** The service that served it. */
    service: z.string().min(1),
    method: z.string().min(1),
    /** The route template, e.g. /v1/budgets/:id (never the raw URL: its query may hold anything). */
    route: z.string().min(1),
    /** The route's :id (or first) parameter, when it has one. */
    resource_id: z.string().min(1).optional(),
    params: z.record(z.string(), z.string()),
    status_code: z.number().int().min(100).max(599),
    user_id: id.optional(),
    token_id: id.optional(),
    ip_address: z.string().optional(),
    user_agent: z.string().optional(),
    /** The request's trace, as its `traceresponse` header named it. */
    trace_id: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  }),
  subjectOf: (data) => data.resource_id ?? data.route,
});
