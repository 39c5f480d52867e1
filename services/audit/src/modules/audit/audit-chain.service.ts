import { createPublicKey, type KeyObject } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { ChainVerifier, signCheckpoint, withTenant, type ChainCheckpoint, type ChainReport, type Database } from '@stratus/db';
import { chainHead, chainRows, checkpointsOf, insertCheckpoint } from './chain.repository.ts';

/**
 * Signs the organisation's chain head when it moved since its last checkpoint; one signer at a
 * time per organisation (replicas of the service run the job side by side).
 */
export async function checkpointOrganization(db: Kysely<Database>, key: KeyObject, organizationId: string): Promise<ChainCheckpoint | undefined> {
  return withTenant(db, organizationId, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`audit_checkpoints:${organizationId}`}, 0))`.execute(trx);
    const head = await chainHead(trx, organizationId);
    const previous = (await checkpointsOf(trx, organizationId)).at(-1);
    if (!head || previous?.sequence === head.sequence) return undefined;
    // The database's time, like the rows'; to the millisecond, as the signature covers its ISO text.
    const { rows } = await sql<{ now: Date }>`select date_trunc('milliseconds', clock_timestamp()) as now`.execute(trx);
    const checkpoint = signCheckpoint(key, {
      organization_id: organizationId,
      sequence: head.sequence,
      head_hash: head.hash,
      previous_signature: previous?.signature ?? null,
      signed_at: rows[0]!.now.toISOString(),
    });
    await insertCheckpoint(trx, checkpoint);
    return checkpoint;
  });
}

/** The public half of AUDIT_SIGNING_KEY, which checks the checkpoints. */
export function publicKeyOf(signingKey: KeyObject | undefined): KeyObject | undefined {
  return signingKey && createPublicKey(signingKey);
}

/** Walks the organisation's whole chain and its checkpoints. */
export async function verifyOrganization(db: Kysely<Database>, organizationId: string, publicKey: KeyObject | undefined): Promise<ChainReport> {
  const checkpoints = await withTenant(db, organizationId, (trx) => checkpointsOf(trx, organizationId));
  const verifier = new ChainVerifier(organizationId, new Set(checkpoints.map((checkpoint) => checkpoint.sequence)));
  for await (const row of chainRows(db, organizationId)) verifier.push(row);
  return verifier.finish(checkpoints, publicKey);
}

/** One line of an export: a row of the chain, or a checkpoint (after every row). */
export type ExportLine = ({ kind: 'row' } & Record<string, unknown>) | ({ kind: 'checkpoint' } & ChainCheckpoint);

/** The organisation's chain and checkpoints as JSON lines, verifiable offline (`stratus audit verify --file`). */
export async function* exportLines(db: Kysely<Database>, organizationId: string): AsyncGenerator<string> {
  const checkpoints = await withTenant(db, organizationId, (trx) => checkpointsOf(trx, organizationId));
  for await (const row of chainRows(db, organizationId)) yield `${JSON.stringify({ kind: 'row', ...row })}\n`;
  for (const checkpoint of checkpoints) yield `${JSON.stringify({ kind: 'checkpoint', ...checkpoint })}\n`;
}
