import { eventTypes, inRuns, type EventEnvelope, type EventHandler, type EventHandlers, type EventType } from '@stratus/events';
import { recordActivities, type Activity } from './activity-log.repository.ts';
import { actorOf, recordAuditEntries } from './audit-logs.repository.ts';

/** How an event type reads in the activity stream, when it says more than the default. */
export type ActivityDescribers = { [T in EventType]?: (event: EventEnvelope<T>) => Activity };

function defaultActivity(event: EventEnvelope): Activity {
  return {
    actor: actorOf(event),
    type: event.type,
    subject: event.subject,
    summary: `${event.type} ${event.subject}`,
    status: null,
    details: {},
  };
}

/**
 * The audit service's handlers: every type of the catalogue, whether or not it has an effect here,
 * is appended to the audit chain and the activity stream in the transaction that applies it; a
 * type added to the catalogue is recorded without a line here. `effects` are what some types do
 * besides (notifications), in the same transaction. Consecutive events of one organisation are
 * recorded a run at a time: one transaction, so one wait for the organisation's chain lock and one
 * commit, for a sync's thousands of events; each table's rows of a run are one statement, the
 * effects follow one event after another.
 */
export function recordEveryEvent(describers: ActivityDescribers, effects: EventHandlers): { [T in EventType]: EventHandler<T> } {
  const handler = inRuns<EventType>(
    (event) => event.tenant,
    async (events, trx) => {
      const recorded = await recordAuditEntries(trx, events);
      await recordActivities(
        trx,
        events.filter((event) => recorded.has(event.id)).map((event) => {
          const describe = describers[event.type] as ((event: EventEnvelope) => Activity) | undefined;
          return { event, activity: (describe ?? defaultActivity)(event) };
        }),
      );
      for (const event of events) await (effects[event.type] as EventHandler<EventType> | undefined)?.(event, trx);
    },
  );
  return Object.fromEntries(eventTypes.map((type) => [type, handler])) as { [T in EventType]: EventHandler<T> };
}
