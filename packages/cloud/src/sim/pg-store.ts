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
      const rows = entries.map(({ kind, provider_resource_id, at, ...data }) => ({ kind, provider_resource_id, at_ms: at, data }));
      // One statement, so one round trip holds the account's lock: one writer per account at a
      // time makes journal order commit order, and no reader skips an entry that commits after a
      // later one. The journal rows are written only if the token was not applied before.
      const { rows: written } = await sql<{ applied: number }>`
        with locked as (
          select pg_advisory_xact_lock(hashtextextended(${`sim_cloud:${cloudAccountId}`}, 0))
        ), token as (
          insert into sim_cloud.applied_operations (client_token, cloud_account_id, result)
          select ${applied?.client_token ?? null}, ${cloudAccountId}::uuid, ${JSON.stringify(applied?.result ?? null)}::jsonb
            from locked where ${applied !== undefined}
          on conflict (client_token) do nothing
          returning client_token
        ), go as (
          select 1 from locked where ${applied === undefined} or exists (select 1 from token)
        ), journal as (
          insert into sim_cloud.journal (cloud_account_id, kind, provider_resource_id, at_ms, data, client_token)
          select ${cloudAccountId}::uuid, e.kind, e.provider_resource_id, e.at_ms, e.data, ${applied?.client_token ?? null}
            from go, jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as e(kind text, provider_resource_id text, at_ms bigint, data jsonb)
          returning seq
        )
        select (select count(*) from go)::int as applied, (select count(*) from journal) as entries
      `.execute(db);
      return written[0]!.applied === 1;
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
