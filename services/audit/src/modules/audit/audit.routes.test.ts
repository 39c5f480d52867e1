/**
 * The audit chain through the API: checkpoints signed by the scheduled job, GET /v1/audit/verify
 * naming the first broken link, and an export that verifies offline, tampered or not.
 */
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSigningKey, verifyExport, withTenant } from '@stratus/db';
import { startTestApp, type TestApp } from '@stratus/runtime/testing';
import { generateKey } from '@stratus/vault';
import { service } from '../../app.ts';
import type { env } from '../../config.ts';
import { checkpointAll } from '../../jobs/audit-checkpoint.job.ts';

const signingKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
let audit: TestApp<typeof env>;

beforeAll(async () => {
  audit = await startTestApp(service, { overrides: { CREDENTIALS_KEYS: `k1:${generateKey()}`, AUDIT_SIGNING_KEY: signingKey } });
});

afterAll(async () => {
  await audit?.close();
});

async function append(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < n; index += 1) {
    const row = await withTenant(audit.deps.db, audit.organizationId, (trx) =>
      trx
        .insertInto('audit_logs')
        .values({ organization_id: audit.organizationId, event_id: randomUUID(), action: 'budget.updated', details: JSON.stringify({ index }) })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    ids.push(row.id);
  }
  return ids;
}

async function exported(): Promise<string[]> {
  const response = await audit.app.inject({ method: 'GET', url: '/v1/audit/export', headers: { authorization: `Bearer ${audit.token}` } });
  expect(response.statusCode).toBe(200);
  return response.body.split('\n').filter((line) => line !== '');
}

describe('the audit chain API', () => {
  let ids: string[];

  it('signs a checkpoint of each chain that moved, and verifies the chain against it', async () => {
    const key = parseSigningKey(signingKey);
    ids = await append(3);
    expect(await checkpointAll(audit.deps.db, key)).toEqual({ signed: 1 });
    expect(await checkpointAll(audit.deps.db, key)).toEqual({ signed: 0 });
    ids.push(...(await append(2)));
    expect(await checkpointAll(audit.deps.db, key)).toEqual({ signed: 1 });

    const { status, body } = await audit.call('GET', '/v1/audit/verify');
    expect(status).toBe(200);
    expect(body).toMatchObject({ rows: 5, valid_rows: 5, checkpoints: 2, valid_checkpoints: 2, valid: true, problems: [] });
    expect(body.summary).toContain('5/5 rows valid, 2/2 checkpoints valid');
  });

  it('exports JSON lines that verify offline with the public key, and fail with another', async () => {
    const lines = await exported();
    expect(lines.map((line) => JSON.parse(line).kind)).toEqual(['row', 'row', 'row', 'row', 'row', 'checkpoint', 'checkpoint']);
    const pem = await audit.app.inject({ method: 'GET', url: '/v1/audit/public-key', headers: { authorization: `Bearer ${audit.token}` } });
    const [report] = await verifyExport(lines, createPublicKey(pem.body));
    expect(report).toMatchObject({ rows: 5, valid_rows: 5, valid_checkpoints: 2, problems: [] });

    const [forged] = await verifyExport(lines, generateKeyPairSync('ed25519').publicKey);
    expect(forged!.problems.map((problem) => problem.kind)).toEqual(['checkpoint_signature_invalid', 'checkpoint_signature_invalid']);
  });

  it('names the row a superuser changed, in the API and in the export', async () => {
    await audit.database.owner.transaction().execute(async (trx) => {
      await sql`alter table audit_logs disable trigger user`.execute(trx);
      await sql`update audit_logs set action = 'nothing.happened' where id = ${ids[1]}`.execute(trx);
      await sql`alter table audit_logs enable trigger user`.execute(trx);
    });
    const { body } = await audit.call('GET', '/v1/audit/verify');
    expect(body).toMatchObject({ rows: 5, valid_rows: 4, valid: false });
    expect(body.problems[0]).toMatchObject({ kind: 'changed', sequence: '2', row_id: ids[1] });
    expect(body.summary).toContain('4/5 rows valid');

    const [report] = await verifyExport(await exported(), undefined);
    expect(report!.problems[0]).toMatchObject({ kind: 'changed', sequence: '2', row_id: ids[1] });
  });
});
