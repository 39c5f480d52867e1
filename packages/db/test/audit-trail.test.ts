/**
 * The audit trail in the database: no service role may change it, its time is the database's, and
 * its hash chain reports exactly where a superuser (triggers disabled) changed, deleted, inserted or
 * reordered a row; a rewrite of the whole chain is caught by the signed checkpoints.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@stratus/testing';
import {
  CHAIN_ROW_COLUMNS,
  ChainVerifier,
  SERVICE_ROLES,
  createDb,
  signCheckpoint,
  withTenant,
  type ChainCheckpoint,
  type ChainReport,
  type ChainRow,
  type Database,
  type ServiceRole,
} from '../src/index.ts';
import { seedTenant, type Tenant } from './seed-tenant.ts';

let database: TestDatabase;
let owner: Kysely<Database>;
const roles = new Map<ServiceRole, Kysely<Database>>();
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

function as(role: ServiceRole): Kysely<Database> {
  const db = roles.get(role) ?? createDb({ url: database.url, role, max: 2 });
  roles.set(role, db);
  return db;
}

beforeAll(async () => {
  database = await createTestDatabase();
  owner = createDb({ url: database.url, max: 2 });
});
afterAll(async () => {
  await Promise.all([...roles.values(), owner].map((db) => db.destroy()));
  await database.drop();
});

/** Appends n entries as the audit service does; returns their ids in order. */
async function append(tenant: Tenant, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < n; index += 1) {
    const row = await withTenant(as('stratus_audit'), tenant.organizationId, (trx) =>
      trx
        .insertInto('audit_logs')
        .values({
          organization_id: tenant.organizationId,
          user_id: tenant.userId,
          event_id: randomUUID(),
          action: 'budget.updated',
          resource_type: 'budget',
          resource_id: `b-${index}`,
          details: JSON.stringify({ amount: 1.5, note: `entry "${index}" \n ✓`, nested: { b: 1, a: [1.0, null] } }),
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    ids.push(row.id);
  }
  return ids;
}

async function chainOf(tenant: Tenant): Promise<ChainRow[]> {
  const { rows } = await sql<ChainRow>`
    select ${sql.raw(CHAIN_ROW_COLUMNS)} from audit_logs where organization_id = ${tenant.organizationId} order by audit_logs.sequence, audit_logs.id
  `.execute(owner);
  return rows;
}

async function checkpoint(tenant: Tenant, previous?: ChainCheckpoint): Promise<ChainCheckpoint> {
  const [head] = (await chainOf(tenant)).slice(-1);
  return signCheckpoint(privateKey, {
    organization_id: tenant.organizationId,
    sequence: head!.sequence,
    head_hash: head!.hash!,
    previous_signature: previous?.signature ?? null,
    signed_at: new Date().toISOString(),
  });
}

async function verify(tenant: Tenant, checkpoints: ChainCheckpoint[] = []): Promise<ChainReport> {
  const verifier = new ChainVerifier(tenant.organizationId, new Set(checkpoints.map((entry) => entry.sequence)));
  for (const row of await chainOf(tenant)) verifier.push(row);
  return verifier.finish(checkpoints, publicKey);
}

/** As a superuser who disables the triggers, in one transaction. */
async function tamper(statements: ReturnType<typeof sql>[]): Promise<void> {
  await owner.transaction().execute(async (trx) => {
    await sql`alter table audit_logs disable trigger user`.execute(trx);
    for (const statement of statements) await statement.execute(trx);
    await sql`alter table audit_logs enable trigger user`.execute(trx);
  });
}

describe('append-only', () => {
  it('refuses UPDATE and DELETE of activity_log, audit_logs and audit_checkpoints to every service role', async () => {
    const tenant = await seedTenant(owner, 'append-only');
    const [auditId] = await append(tenant, 1);
    const activity = await withTenant(as('stratus_audit'), tenant.organizationId, (trx) =>
      trx.insertInto('activity_log').values({ organization_id: tenant.organizationId, type: 't', summary: 's' }).returning('id').executeTakeFirstOrThrow(),
    );
    const targets = { activity_log: activity.id, audit_logs: auditId!, audit_checkpoints: randomUUID() } as const;
    for (const role of Object.values(SERVICE_ROLES)) {
      for (const [table, id] of Object.entries(targets)) {
        for (const statement of [sql`update ${sql.table(table)} set organization_id = organization_id where id = ${id}`, sql`delete from ${sql.table(table)} where id = ${id}`]) {
          await expect(withTenant(as(role), tenant.organizationId, (trx) => statement.execute(trx)), `${role} ${table}`).rejects.toThrow(
            new RegExp(`permission denied for table ${table}`),
          );
        }
      }
    }
  });

  it('gives every row the database time, whatever the writer says', async () => {
    const tenant = await seedTenant(owner, 'time');
    const before = new Date();
    const [audit, activity] = await withTenant(as('stratus_audit'), tenant.organizationId, async (trx) => [
      await trx
        .insertInto('audit_logs')
        .values({ organization_id: tenant.organizationId, action: 'a', timestamp: new Date('2001-01-01'), sequence: '99', hash: Buffer.from('forged') })
        .returning(['timestamp', 'sequence', 'hash', 'prev_hash'])
        .executeTakeFirstOrThrow(),
      await trx
        .insertInto('activity_log')
        .values({ organization_id: tenant.organizationId, type: 't', summary: 's', created_at: new Date('2001-01-01') })
        .returning('created_at')
        .executeTakeFirstOrThrow(),
    ]);
    expect(audit.timestamp.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(activity.created_at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(audit).toMatchObject({ sequence: '1', prev_hash: null });
    expect(audit.hash).toHaveLength(32);
  });
});

describe('the hash chain', () => {
  it('numbers each organisation’s rows without gaps, each linked to the one before, even when written concurrently', async () => {
    const [a, b] = [await seedTenant(owner, 'chain-a'), await seedTenant(owner, 'chain-b')];
    await Promise.all([append(a, 10), append(a, 10), append(b, 5)]);
    const rows = await chainOf(a);
    expect(rows.map((row) => row.sequence)).toEqual(Array.from({ length: 20 }, (_, index) => String(index + 1)));
    expect(await verify(a)).toMatchObject({ rows: 20, valid_rows: 20, problems: [] });
    expect(await verify(b)).toMatchObject({ rows: 5, valid_rows: 5, problems: [] });
  });

  it('reports a changed row at exactly that row', async () => {
    const tenant = await seedTenant(owner, 'changed');
    const ids = await append(tenant, 6);
    await tamper([sql`update audit_logs set resource_id = 'other' where id = ${ids[3]}`]);
    const report = await verify(tenant);
    expect(report).toMatchObject({ rows: 6, valid_rows: 5 });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'changed', sequence: '4', row_id: ids[3] })]);
  });

  it('reports a deleted row at its place', async () => {
    const tenant = await seedTenant(owner, 'deleted');
    const ids = await append(tenant, 6);
    await tamper([sql`delete from audit_logs where id = ${ids[2]}`]);
    const report = await verify(tenant);
    expect(report).toMatchObject({ rows: 5, valid_rows: 4 });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'deleted', sequence: '4', row_id: ids[3] })]);
    expect(report.problems[0]!.message).toContain('sequence 3');
  });

  it('reports an inserted row at exactly that row', async () => {
    const tenant = await seedTenant(owner, 'inserted');
    const ids = await append(tenant, 6);
    const [third] = (await chainOf(tenant)).filter((row) => row.id === ids[2]);
    const intruder = randomUUID();
    // A well-formed row claiming sequence 4, hashed as the trigger would, but linking to no row.
    await tamper([
      sql`
        insert into audit_logs (id, organization_id, action, sequence, "timestamp", prev_hash)
        values (${intruder}, ${tenant.organizationId}, 'forged', 4, now(), sha256(decode(${third!.hash}, 'hex')))
      `,
      sql`update audit_logs a set hash = sha256(convert_to(stratus_audit_canonical(a), 'UTF8')) where id = ${intruder}`,
    ]);
    const report = await verify(tenant);
    expect(report).toMatchObject({ rows: 7, valid_rows: 6 });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'inserted', row_id: intruder })]);
  });

  it('reports two swapped rows as reordered', async () => {
    const tenant = await seedTenant(owner, 'reordered');
    const ids = await append(tenant, 6);
    await tamper([
      sql`update audit_logs set sequence = 0 where id = ${ids[1]}`,
      sql`update audit_logs set sequence = 2 where id = ${ids[2]}`,
      sql`update audit_logs set sequence = 3 where id = ${ids[1]}`,
    ]);
    const report = await verify(tenant);
    expect(report.problems.map((problem) => [problem.kind, problem.sequence, problem.row_id])).toEqual([
      ['reordered', '2', ids[2]],
      ['reordered', '3', ids[1]],
    ]);
    expect(report).toMatchObject({ rows: 6, valid_rows: 4 });
  });

  it('catches a rewrite of the whole chain by its signed checkpoints, and a forged checkpoint by its signature', async () => {
    const tenant = await seedTenant(owner, 'rewritten');
    await append(tenant, 3);
    const first = await checkpoint(tenant);
    await append(tenant, 3);
    const second = await checkpoint(tenant, first);
    expect(await verify(tenant, [first, second])).toMatchObject({ valid_rows: 6, valid_checkpoints: 2, problems: [] });

    // Row 2 changed, then every hash after it recomputed in order: the chain itself is consistent again.
    await tamper([sql`update audit_logs set resource_id = 'rewritten' where organization_id = ${tenant.organizationId} and sequence = 2`]);
    for (let sequence = 2; sequence <= 6; sequence += 1) {
      await tamper([
        sql`
          update audit_logs a
             set prev_hash = (select hash from audit_logs p where p.organization_id = a.organization_id and p.sequence = a.sequence - 1)
           where organization_id = ${tenant.organizationId} and sequence = ${sequence}
        `,
        sql`update audit_logs a set hash = sha256(convert_to(stratus_audit_canonical(a), 'UTF8')) where organization_id = ${tenant.organizationId} and sequence = ${sequence}`,
      ]);
    }
    const rewritten = await verify(tenant, [first, second]);
    expect(rewritten).toMatchObject({ rows: 6, valid_rows: 6, valid_checkpoints: 0 });
    expect(rewritten.problems.map((problem) => [problem.kind, problem.sequence])).toEqual([
      ['checkpoint_mismatch', '3'],
      ['checkpoint_mismatch', '6'],
    ]);

    // New checkpoints over the rewritten chain, signed without the key.
    const { privateKey: other } = generateKeyPairSync('ed25519');
    const forged = signCheckpoint(other, { ...(await checkpoint(tenant)), previous_signature: null });
    const report = await verify(tenant, [forged]);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'checkpoint_signature_invalid', sequence: '6' })]);
  });
});
