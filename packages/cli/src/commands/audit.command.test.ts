/**
 * `stratus audit generate-key` and `stratus audit verify --file`: an export checked offline, as an
 * auditor would, with the public key only.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOf, signCheckpoint, type ChainRow } from '@stratus/db';
import { stratus } from '../../test/run-cli.ts';

const organizationId = '0193a7c0-0000-7000-8000-00000000000a';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratus-audit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A chain of n rows as the database builds it, and a checkpoint of its head. */
function chain(n: number, keyBase64: string): string[] {
  const rows: ChainRow[] = [];
  for (let index = 1; index <= n; index += 1) {
    const row: ChainRow = {
      id: `0193a7c0-0000-7000-8000-${String(index).padStart(12, '0')}`,
      organization_id: organizationId,
      sequence: String(index),
      user_id: null,
      event_id: null,
      action: 'budget.updated',
      resource_type: 'budget_id',
      resource_id: `b-${index}`,
      timestamp: `2026-12-04T16:00:0${index}.123456Z`,
      ip_address: '203.0.113.7',
      user_agent: 'curl/8.5.0',
      trace_id: null,
      details: '{"amount": 1.50}',
      prev_hash: rows.at(-1)?.hash ?? null,
      hash: null,
    };
    rows.push({ ...row, hash: hashOf(row) });
  }
  const key = createPrivateKey({ key: Buffer.from(keyBase64, 'base64'), format: 'der', type: 'pkcs8' });
  const head = rows.at(-1)!;
  const checkpoint = signCheckpoint(key, {
    organization_id: organizationId,
    sequence: head.sequence,
    head_hash: head.hash!,
    previous_signature: null,
    signed_at: '2026-12-04T17:00:00.000Z',
  });
  return [...rows.map((row) => JSON.stringify({ kind: 'row', ...row })), JSON.stringify({ kind: 'checkpoint', ...checkpoint })];
}

describe('stratus audit', () => {
  it('generates a signing key whose export verifies offline, and names the changed row of a tampered one', async () => {
    const generated = await stratus(['audit', 'generate-key'], {});
    expect(generated.code).toBe(0);
    const key = /^AUDIT_SIGNING_KEY=(\S+)$/m.exec(generated.stdout)![1]!;
    const pem = generated.stdout.slice(generated.stdout.indexOf('-----BEGIN PUBLIC KEY-----'));
    await writeFile(join(dir, 'key.pem'), pem);

    const lines = chain(3, key);
    await writeFile(join(dir, 'good.jsonl'), `${lines.join('\n')}\n`);
    const good = await stratus(['audit', 'verify', '--file', join(dir, 'good.jsonl'), '--public-key', join(dir, 'key.pem')], {});
    expect(good).toMatchObject({ code: 0 });
    expect(good.stdout).toContain(`organization ${organizationId}: 3/3 rows valid, 1/1 checkpoints valid`);

    const tampered = [...lines];
    tampered[1] = tampered[1]!.replace('"b-2"', '"b-9"');
    await writeFile(join(dir, 'bad.jsonl'), `${tampered.join('\n')}\n`);
    const bad = await stratus(['audit', 'verify', '--file', join(dir, 'bad.jsonl'), '--public-key', join(dir, 'key.pem')], {});
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('2/3 rows valid, 1/1 checkpoints valid');
    expect(bad.stdout).toMatch(/first broken link: changed: row 2 \(\S+\): its content no longer matches its hash/);
  });
});
