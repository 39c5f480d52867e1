import { sql, type Kysely } from 'kysely';
import type { OperationResult } from '../adapter.ts';
import type { SimEntry } from './journal.ts';
import { useSimStore, type SimStore } from './state.ts';

/**
 * The simulated cloud's state in PostgreSQL's sim_cloud schema (migration SimCloud): the journal
 * of each account and the client tokens applied. `db` is any service's connection.
 */
export function pgSimStore(db: Kysely<any>): SimStore {
  return {
    async entriesAfter(cloudAccountId, seq) {
      const { rows } = await sql<{ seq: string; kind: SimEntry['kind']; provider_resource_id: string; at_ms: string; data: Record<string, unknown> | null }>`
        select seq, kind, provider_resource_id, at_ms, data from sim_cloud.journal
         where cloud_account_id = ${cloudAccountId}::uuid and seq > ${seq} order by seq
      `.execute(db);
      return rows.map((row) => ({
        seq: Number(row.seq),
        entry: { ...(row.data ?? {}), kind: row.kind, provider_resource_id: row.provider_resource_id, at: Number(row.at_ms) } as SimEntry,
      }));
    },
    async applied(clientToken) {
      const { rows } = await sql<{ result: OperationResult }>`select result from sim_cloud.applied_operations where client_token = ${clientToken}`.execute(db);
      return rows[0]?.result;
    },
    async append(cloudAccountId, entries, applied) {
      return db.transaction().execute(async (trx) => {
        // One writer per account at a time, so journal order is commit order and no reader skips
        // an entry that commits after a later one.
        await sql`select pg_advisory_xact_lock(hashtextextended(${`sim_cloud:${cloudAccountId}`}, 0))`.execute(trx);
        if (applied) {
          const { rows } = await sql`
            insert into sim_cloud.applied_operations (client_token, cloud_account_id, result)
            values (${applied.client_token}, ${cloudAccountId}::uuid, ${JSON.stringify(applied.result)}::jsonb)
            on conflict (client_token) do nothing returning client_token
          `.execute(trx);
          if (rows.length === 0) return false;
        }
        for (const { kind, provider_resource_id, at, ...data } of entries) {
          await sql`
            insert into sim_cloud.journal (cloud_account_id, kind, provider_resource_id, at_ms, data, client_token)
            values (${cloudAccountId}::uuid, ${kind}, ${provider_resource_id}, ${at}, ${JSON.stringify(data)}::jsonb, ${applied?.client_token ?? null})
          `.execute(trx);
        }
        return true;
      });
    },
  };
}

/**
 * Puts every simulated account of the process in PostgreSQL for as long as the service runs: a
 * service's background task (ingestion and the action executor hold simulated adapters).
 */
export function sharedSimCloud(db: Kysely<any>) {
  return {
    name: 'simulated cloud storage',
    async start() {
      useSimStore(pgSimStore(db));
    },
    async stop() {
      useSimStore(undefined);
    },
  };
}
