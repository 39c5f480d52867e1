import type { EventEnvelope } from '@stratus/events';
import type { Activity } from './activity-log.repository.ts';

/** An API call in the activity stream: `PATCH /v1/budgets/:id`, its status code the status. */
export function apiRequestRecorded(event: EventEnvelope<'api.request_recorded'>): Activity {
  const { method, route, status_code, user_id, service, params, token_id } = event.data;
  return {
    actor: user_id ?? null,
    type: event.type,
    subject: event.subject,
    summary: `${method} ${route} (${service}): ${status_code}`,
    status: String(status_code),
    details: { service, method, route, params, status_code, ...(token_id ? { token_id } : {}) },
  };
}
