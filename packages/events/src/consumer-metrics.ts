import type { Consumer } from 'kafkajs';
import { Counter, Gauge, register } from 'prom-client';

/**
 * A consumer's Prometheus metrics, in the process's default registry (a service's /metrics includes
 * it). Labels are topics, groups and partitions: bounded, and nothing of a tenant's.
 */
export const deadLettersTotal = new Counter({
  name: 'stratus_dead_letters_total',
  help: 'Events sent to a dead-letter topic, by source topic and reason',
  labelNames: ['topic', 'reason'] as const,
  registers: [register],
});

export const consumerLag = new Gauge({
  name: 'stratus_consumer_lag',
  help: "Messages of a partition this replica owns not yet processed by its group, as of the partition's last fetched batch",
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [register],
});

/** Whether the consumer is a member of its group, as kafkajs tells it. */
export interface ConsumerMembership {
  joined: boolean;
  /** Why it is not a member, when it is not. */
  reason?: string;
}

/**
 * Follows the consumer's group membership and partition lag through kafkajs's instrumentation
 * events. Joined from GROUP_JOIN until a crash, a disconnect or a stop; and no longer joined once no
 * heartbeat has gone out for the session timeout, after which the broker has given the member's
 * partitions away. A rebalance does not count: the member stays in its group through it, and every
 * replica would otherwise leave the load balancer at once whenever one of them starts.
 */
export function trackConsumer(consumer: Consumer, groupId: string, sessionTimeoutMs: number): () => ConsumerMembership {
  let state: ConsumerMembership = { joined: false, reason: 'has not joined its group yet' };
  let lastBeat = 0;
  let assigned: { topic: string; partition: number }[] = [];
  const leave = (reason: string) => {
    state = { joined: false, reason };
  };
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    state = { joined: true };
    lastBeat = Date.now();
    const now = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
    // Partitions that moved to another replica are reported by that one.
    for (const old of assigned) {
      if (!now.some((p) => p.topic === old.topic && p.partition === old.partition)) {
        consumerLag.remove({ group: groupId, topic: old.topic, partition: String(old.partition) });
      }
    }
    assigned = now;
  });
  consumer.on(consumer.events.HEARTBEAT, () => {
    lastBeat = Date.now();
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    consumerLag.set({ group: groupId, topic: payload.topic, partition: String(payload.partition) }, Number(payload.offsetLag));
  });
  consumer.on(consumer.events.CRASH, ({ payload }) =>
    leave(`crashed (${payload.error.message})${payload.restart ? '; rejoining' : '; not restarting'}`),
  );
  consumer.on(consumer.events.DISCONNECT, () => leave('disconnected'));
  consumer.on(consumer.events.STOP, () => leave('stopped'));
  return () => {
    if (state.joined && Date.now() - lastBeat > sessionTimeoutMs) {
      return { joined: false, reason: `sent no heartbeat for ${Math.round((Date.now() - lastBeat) / 1000)} s` };
    }
    return state;
  };
}
