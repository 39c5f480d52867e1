import { sql, type Kysely, type Transaction } from 'kysely';
import { CHAIN_ROW_COLUMNS, withTenant, type ChainCheckpoint, type ChainRow, type Database } from '@stratus/db';

type Db = Kysely<Database> | Transaction<Database>;

/** Rows read per round trip while walking a chain. */
const PAGE = 5_000;

/**
 * The organisation's chain in (sequence, id) order, a page per transaction: an export streamed to a
 * slow client holds no transaction open.
 */
export async function* chainRows(db: Kysely<Database>, organizationId: string): AsyncGenerator<ChainRow> {
  let after: { sequence: string; id: string } | undefined;
  for (;;) {
    // Ordered by the table's columns: CHAIN_ROW_COLUMNS gives sequence as text, which sorts 10 before 2.
    const { rows } = await withTenant(db, organizationId, (trx) => sql<ChainRow>`
      select ${sql.raw(CHAIN_ROW_COLUMNS)}
        from audit_logs
       where organization_id = ${organizationId}
         ${after ? sql`and (audit_logs.sequence, audit_logs.id) > (${after.sequence}::bigint, ${after.id}::uuid)` : sql``}
       order by audit_logs.sequence, audit_logs.id
       limit ${PAGE}
    `.execute(trx));
    yield* rows;
    if (rows.length < PAGE) return;
    const last = rows.at(-1)!;
    after = { sequence: last.sequence, id: last.id };
  }
}

export async function checkpointsOf(db: Db, organizationId: string): Promise<ChainCheckpoint[]> {
  const { rows } = await sql<ChainCheckpoint>`
    select organization_id::text, sequence::text, encode(head_hash, 'hex') as head_hash,
           encode(previous_signature, 'hex') as previous_signature,
           to_char(signed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as signed_at,
           key_id, encode(signature, 'hex') as signature
      from audit_checkpoints
     where organization_id = ${organizationId}
     order by audit_checkpoints.sequence, audit_checkpoints.signed_at
  `.execute(db);
  return rows;
}

/** The organisations whose chain grew since their last checkpoint (stratus_audit_heads_to_checkpoint). */
export async function organizationsToCheckpoint(db: Db): Promise<string[]> {
  const { rows } = await sql<{ organization_id: string }>`select organization_id from stratus_audit_heads_to_checkpoint()`.execute(db);
  return rows.map((row) => row.organization_id);
}

export async function chainHead(trx: Transaction<Database>, organizationId: string) {
  const { rows } = await sql<{ sequence: string; hash: string }>`
    select sequence::text, encode(hash, 'hex') as hash
      from audit_logs where organization_id = ${organizationId} order by audit_logs.sequence desc limit 1
  `.execute(trx);
  return rows[0];
}

export async function insertCheckpoint(trx: Transaction<Database>, checkpoint: ChainCheckpoint): Promise<void> {
  await trx
    .insertInto('audit_checkpoints')
    .values({
      organization_id: checkpoint.organization_id,
      sequence: checkpoint.sequence,
      head_hash: Buffer.from(checkpoint.head_hash, 'hex'),
      previous_signature: checkpoint.previous_signature === null ? null : Buffer.from(checkpoint.previous_signature, 'hex'),
      signed_at: new Date(checkpoint.signed_at),
      key_id: checkpoint.key_id,
      signature: Buffer.from(checkpoint.signature, 'hex'),
    })
    .execute();
}
