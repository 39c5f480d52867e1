import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '@stratus/db';
import { eventually } from './eventually.ts';

/** Every event the relays have to deliver is in Kafka once the outbox has nothing unpublished. */
export async function outboxDrained(db: Kysely<Database>, { timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<void> {
  await eventually(
    async () => {
      const { count } = await db
        .selectFrom('event_outbox_events')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('published_at', 'is', null)
        .executeTakeFirstOrThrow();
      expect(count).toBe('0');
    },
    { timeoutMs },
  );
}
