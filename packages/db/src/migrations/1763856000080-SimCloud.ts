import { sql, type Kysely } from 'kysely';
import { execute } from './foundation/ddl.ts';

/**
 * The simulated cloud's own storage: not a service's table but the stand-in for a provider's
 * state, in a schema of its own so it is never mistaken for Stratus data (no tenant, no
 * row-level security, no registry entry). What operations did to each simulated account is a
 * journal every service process reads (ingestion's next sync sees a VM the executor stopped, and
 * a killed executor loses nothing), and applied_operations makes an operation's client token
 * apply once, as a provider's idempotency token does. Every service role may read and append,
 * as every service may hold a simulated account's adapter.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await execute(db, [
    sql`create schema sim_cloud`,
    sql`
      create table sim_cloud.journal (
        seq bigint generated always as identity primary key,
        cloud_account_id uuid not null,
        kind text not null check (kind in ('change', 'snapshot')),
        provider_resource_id text not null,
        at_ms bigint not null,
        data jsonb,
        client_token text,
        recorded_at timestamptz not null default now()
      )
    `,
    sql`create index journal_account_seq_idx on sim_cloud.journal (cloud_account_id, seq)`,
    sql`
      create table sim_cloud.applied_operations (
        client_token text primary key,
        cloud_account_id uuid not null,
        result jsonb not null,
        applied_at timestamptz not null default now()
      )
    `,
    sql`grant usage on schema sim_cloud to stratus_service`,
    sql`grant select, insert on sim_cloud.journal, sim_cloud.applied_operations to stratus_service`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await execute(db, [sql`drop schema sim_cloud cascade`]);
}
