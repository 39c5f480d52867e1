import { sql, type Kysely } from 'kysely';
import { groupCommit, groupCommitBy, prepared } from '@stratus/db';
import type { OperationResult } from '../adapter.ts';
import type { SimEntry } from './journal.ts';
import { useSimStore, type SimStore } from './state.ts';

type Appended = { cloudAccountId: string; entries: readonly SimEntry[]; applied: { client_token: string; result: OperationResult } | undefined };

/**
 * The simulated cloud's state in PostgreSQL's sim_cloud schema (migration SimCloud): the journal
 * of each account and the client tokens applied. `db` is any service's connection.
 *
 * Concurrent operations (a worker runs dozens at once) share statements: their reads of tokens and
 * of an account's journal, and their appends to one account, are each one statement per moment
 * (groupCommit), not one per operation. A read that arrives while one is under way waits for the
 * next, so it sees every entry committed before it asked.
 */
export function pgSimStore(db: Kysely<any>): SimStore {
  const applied = groupCommit(async (tokens: string[]) => {
    const { rows } = await prepared(db, sql<{ client_token: string; result: OperationResult }>`
      select client_token, result from sim_cloud.applied_operations where client_token = any(${tokens}::text[])
    `);
    const results = new Map(rows.map((row) => [row.client_token, row.result]));
    return tokens.map((token) => results.get(token));
  });
  const entriesAfter = groupCommitBy(
    (ask: { cloudAccountId: string; seq: number }) => ask.cloudAccountId,
    async (cloudAccountId, asks) => {
      const { rows } = await prepared(db, sql<{ seq: string; kind: SimEntry['kind']; provider_resource_id: string; at_ms: string; data: Record<string, unknown> | null }>`
        select seq, kind, provider_resource_id, at_ms, data from sim_cloud.journal
         where cloud_account_id = ${cloudAccountId}::uuid and seq > ${Math.min(...asks.map((ask) => ask.seq))} order by seq
      `);
      const entries = rows.map((row) => ({
        seq: Number(row.seq),
        entry: { ...(row.data ?? {}), kind: row.kind, provider_resource_id: row.provider_resource_id, at: Number(row.at_ms) } as SimEntry,
      }));
      return asks.map((ask) => entries.filter((entry) => entry.seq > ask.seq));
    },
  );
  const append = groupCommitBy((asked: Appended) => asked.cloudAccountId, (cloudAccountId, appends) => appendAll(db, cloudAccountId, appends));
  return {
    entriesAfter: (cloudAccountId, seq) => entriesAfter({ cloudAccountId, seq }),
    applied,
    append: (cloudAccountId, entries, token) => append({ cloudAccountId, entries, applied: token }),
  };
}

/**
 * Appends the entries of many operations on one account, each with its token, in one statement:
 * one round trip holds the account's lock, so one writer per account at a time makes journal order
 * commit order, and no reader skips an entry that commits after a later one. An operation's
 * entries are written only if its token was not applied before (true in its place of the answer).
 */
async function appendAll(db: Kysely<any>, cloudAccountId: string, appends: Appended[]): Promise<boolean[]> {
  // A token twice among them is applied by its first operation only.
  const tokens = new Set<string>();
  const written = appends.map(({ applied }) => applied === undefined || (!tokens.has(applied.client_token) && !!tokens.add(applied.client_token)));
  const asked = appends.flatMap(({ applied }, n) => (written[n] ? [{ n, client_token: applied?.client_token ?? null, result: applied?.result ?? null }] : []));
  const entries = appends.flatMap(({ entries: own }, n) =>
    written[n] ? own.map(({ kind, provider_resource_id, at, ...data }, i) => ({ n, i, kind, provider_resource_id, at_ms: at, data })) : [],
  );
  const { rows } = await prepared(db, sql<{ n: number }>`
    with locked as (
      select pg_advisory_xact_lock(hashtextextended(${`sim_cloud:${cloudAccountId}`}, 0))
    ), asked as (
      select * from jsonb_to_recordset(${JSON.stringify(asked)}::jsonb) as a(n int, client_token text, result jsonb)
    ), token as (
      insert into sim_cloud.applied_operations (client_token, cloud_account_id, result)
      select a.client_token, ${cloudAccountId}::uuid, a.result from locked, asked a where a.client_token is not null
      on conflict (client_token) do nothing
      returning client_token
    ), go as (
      select a.n, a.client_token from locked, asked a where a.client_token is null or a.client_token in (select client_token from token)
    ), journal as (
      insert into sim_cloud.journal (cloud_account_id, kind, provider_resource_id, at_ms, data, client_token)
      select ${cloudAccountId}::uuid, e.kind, e.provider_resource_id, e.at_ms, e.data, go.client_token
        from go join jsonb_to_recordset(${JSON.stringify(entries)}::jsonb) as e(n int, i int, kind text, provider_resource_id text, at_ms bigint, data jsonb) on e.n = go.n
       order by e.n, e.i
      returning seq
    )
    select go.n, (select count(*) from journal) as entries from go
  `);
  const applied = new Set(rows.map((row) => row.n));
  return appends.map((_, n) => applied.has(n));
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
