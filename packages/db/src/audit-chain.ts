import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The audit chain as the verifier sees it (migration 1763856000090 builds it): one organisation's
 * audit_logs rows in sequence order, each row's hash over its canonical encoding, which holds the
 * previous row's hash; and signed checkpoints of the head. The same code checks the database (the
 * audit service's GET /v1/audit/verify) and an export (`stratus audit verify --file`), so every
 * value is the text the database gives: the time to the microsecond, details as jsonb's text.
 */
export interface ChainRow {
  id: string;
  organization_id: string;
  sequence: string;
  user_id: string | null;
  event_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as stratus_audit_canonical formats it. */
  timestamp: string;
  ip_address: string | null;
  user_agent: string | null;
  trace_id: string | null;
  /** jsonb's text of details, exactly: re-serialising parsed JSON would change numbers and key order. */
  details: string | null;
  /** Hex. */
  prev_hash: string | null;
  hash: string | null;
}

export interface ChainCheckpoint {
  organization_id: string;
  sequence: string;
  /** Hex, as every byte string here. */
  head_hash: string;
  previous_signature: string | null;
  /** ISO 8601 with milliseconds (Date.toISOString). */
  signed_at: string;
  key_id: string;
  signature: string;
}

/** The columns of audit_logs as ChainRow's text, for a SELECT (same formats as stratus_audit_canonical). */
export const CHAIN_ROW_COLUMNS = `
  id::text, organization_id::text, sequence::text, user_id::text, event_id::text, action, resource_type, resource_id,
  to_char("timestamp" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "timestamp",
  ip_address, user_agent, trace_id, details::text as details, encode(prev_hash, 'hex') as prev_hash, encode(hash, 'hex') as hash`;

/**
 * jsonb's text form of an array of strings and nulls: `["a", null]`. jsonb escapes a string as
 * JSON.stringify does (", \, \b \f \n \r \t and other controls as \u00XX, everything else as is),
 * and the database never holds a lone surrogate, JSON.stringify's one difference.
 */
function jsonbArrayText(values: readonly (string | null)[]): string {
  return `[${values.map((value) => (value === null ? 'null' : JSON.stringify(value))).join(', ')}]`;
}

/** What a row's hash covers; the database's stratus_audit_canonical, rebuilt. The sequence is not in it (see the migration). */
export function canonicalOf(row: ChainRow): string {
  return jsonbArrayText([
    row.organization_id,
    row.user_id,
    row.event_id,
    row.action,
    row.resource_type,
    row.resource_id,
    row.timestamp,
    row.ip_address,
    row.user_agent,
    row.trace_id,
    row.details,
    row.prev_hash,
  ]);
}

export function hashOf(row: ChainRow): string {
  return createHash('sha256').update(canonicalOf(row), 'utf8').digest('hex');
}

/** What a checkpoint's signature covers, in the manner of CloudTrail's digest files. */
export function checkpointPayload(checkpoint: Omit<ChainCheckpoint, 'signature' | 'key_id'>): string {
  return jsonbArrayText([
    checkpoint.organization_id,
    checkpoint.sequence,
    checkpoint.head_hash,
    checkpoint.signed_at,
    checkpoint.previous_signature,
  ]);
}

/** The signing key of AUDIT_SIGNING_KEY: an Ed25519 private key, PKCS#8 DER in base64 (`stratus audit generate-key`). */
export function parseSigningKey(base64: string): KeyObject {
  const key = createPrivateKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`AUDIT_SIGNING_KEY must be an Ed25519 key, not ${key.asymmetricKeyType}`);
  return key;
}

/** The public key's SHA-256 (of its SPKI DER), first 16 hex digits: names the key a checkpoint was signed with. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

export function signCheckpoint(key: KeyObject, checkpoint: Omit<ChainCheckpoint, 'signature' | 'key_id'>): ChainCheckpoint {
  const signature = sign(null, Buffer.from(checkpointPayload(checkpoint), 'utf8'), key).toString('hex');
  return { ...checkpoint, key_id: keyIdOf(key), signature };
}

function signatureIsValid(publicKey: KeyObject, checkpoint: ChainCheckpoint): boolean {
  try {
    return verify(null, Buffer.from(checkpointPayload(checkpoint), 'utf8'), publicKey, Buffer.from(checkpoint.signature, 'hex'));
  } catch {
    return false;
  }
}

export type ChainProblemKind = 'changed' | 'deleted' | 'inserted' | 'reordered' | 'checkpoint_signature_invalid' | 'checkpoint_mismatch' | 'checkpoint_missing';

export interface ChainProblem {
  kind: ChainProblemKind;
  /** Where: the row's sequence (or the checkpoint's). */
  sequence: string;
  /** The row found there, when there is one. */
  row_id?: string;
  message: string;
}

export interface ChainReport {
  organization_id: string;
  rows: number;
  valid_rows: number;
  checkpoints: number;
  valid_checkpoints: number;
  /** In the order found; the first is the first broken link. */
  problems: ChainProblem[];
}

/**
 * Walks one organisation's chain, fed its rows in (sequence, id) order, then its checkpoints. It
 * keeps one row of lookahead and the hashes at the checkpoints' sequences only, so a chain of
 * millions of rows is checked in constant memory.
 *
 * With p the last row accepted into the chain and r the next row:
 * - r's hash does not match its content: changed;
 * - r links to p (prev_hash = p.hash): valid, unless sequences skip (rows deleted and the rest left in place);
 * - the row after r is the one r links to: the two were swapped, reordered;
 * - the row after r links to p: r was slipped in, inserted;
 * - otherwise r's predecessor is gone: deleted.
 */
export class ChainVerifier {
  private readonly report: ChainReport;
  private last: { sequence: bigint; hash: string | null } = { sequence: 0n, hash: null };
  private pending: ChainRow | undefined;
  private swapped: ChainRow | undefined;
  private readonly headAt = new Map<string, string | null>();
  private maxSequence = 0n;

  private readonly checkpointSequences: ReadonlySet<string> | 'every sequence';

  /** checkpointSequences: where the checkpoints are, or 'every sequence' when they come after the rows (an export). */
  constructor(organizationId: string, checkpointSequences: ReadonlySet<string> | 'every sequence' = new Set()) {
    this.checkpointSequences = checkpointSequences;
    this.report = { organization_id: organizationId, rows: 0, valid_rows: 0, checkpoints: 0, valid_checkpoints: 0, problems: [] };
  }

  /** Feeds the next row in (sequence, id) order. */
  push(row: ChainRow): void {
    this.report.rows += 1;
    if (this.pending) this.judge(this.pending, row);
    this.pending = row;
  }

  /** After the last row: judges it and checks the checkpoints (sorted by sequence) against the chain and the key. */
  finish(checkpoints: readonly ChainCheckpoint[], publicKey: KeyObject | undefined): ChainReport {
    if (this.pending) this.judge(this.pending, undefined);
    this.pending = undefined;
    let previousSignature: string | null = null;
    for (const checkpoint of checkpoints) {
      this.report.checkpoints += 1;
      const problem = this.checkCheckpoint(checkpoint, previousSignature, publicKey);
      if (problem) this.report.problems.push({ ...problem, sequence: checkpoint.sequence });
      else this.report.valid_checkpoints += 1;
      previousSignature = checkpoint.signature;
    }
    return this.report;
  }

  private checkCheckpoint(
    checkpoint: ChainCheckpoint,
    previousSignature: string | null,
    publicKey: KeyObject | undefined,
  ): Omit<ChainProblem, 'sequence'> | undefined {
    const at = `checkpoint at sequence ${checkpoint.sequence} (signed ${checkpoint.signed_at})`;
    if (publicKey === undefined) return { kind: 'checkpoint_signature_invalid', message: `${at}: no public key to check its signature` };
    if (checkpoint.key_id !== keyIdOf(publicKey) || !signatureIsValid(publicKey, checkpoint)) {
      return { kind: 'checkpoint_signature_invalid', message: `${at}: signature invalid for key ${keyIdOf(publicKey)}` };
    }
    if (checkpoint.previous_signature !== previousSignature) {
      return { kind: 'checkpoint_missing', message: `${at}: the checkpoint before it is missing or was replaced` };
    }
    if (!this.headAt.has(checkpoint.sequence)) {
      return { kind: 'checkpoint_mismatch', message: `${at}: the chain has no row at that sequence (its last is ${this.maxSequence}): rows deleted` };
    }
    if (this.headAt.get(checkpoint.sequence) !== checkpoint.head_hash) {
      return { kind: 'checkpoint_mismatch', message: `${at}: the chain's hash there differs from the signed one: the chain was rewritten` };
    }
    return undefined;
  }

  private judge(row: ChainRow, next: ChainRow | undefined): void {
    if (this.swapped === row) {
      this.swapped = undefined;
      return;
    }
    const sequence = BigInt(row.sequence);
    if (sequence > this.maxSequence) this.maxSequence = sequence;
    const problems = this.problemsOf(row, sequence, next);
    this.report.problems.push(...problems);
    if (problems.length === 0) this.report.valid_rows += 1;
  }

  private problemsOf(row: ChainRow, sequence: bigint, next: ChainRow | undefined): ChainProblem[] {
    const at = `row ${row.sequence} (${row.id})`;
    const problem = (kind: ChainProblemKind, message: string): ChainProblem[] => [{ kind, sequence: row.sequence, row_id: row.id, message }];
    if (hashOf(row) !== row.hash) {
      this.accept(row.hash, sequence);
      return problem('changed', `${at}: its content no longer matches its hash`);
    }
    if (row.prev_hash === this.last.hash) {
      const expected = this.last.sequence + 1n;
      this.accept(row.hash, sequence);
      if (sequence === expected) return [];
      return problem('deleted', `${at}: links to row ${expected - 1n} but its sequence is ${sequence}: the rows between were deleted or renumbered`);
    }
    if (next && next.hash === row.prev_hash && hashOf(next) === next.hash) {
      // The two swapped places: both are reported, and the chain goes on from this one, which the
      // row after the pair links to.
      this.swapped = next;
      this.accept(row.hash, BigInt(next.sequence));
      return [
        ...problem('reordered', `${at}: comes before row ${next.sequence}, the row it follows`),
        { kind: 'reordered', sequence: next.sequence, row_id: next.id, message: `row ${next.sequence} (${next.id}): comes after row ${row.sequence}, the row it precedes` },
      ];
    }
    if (next && next.prev_hash === this.last.hash) {
      return problem('inserted', `${at}: not part of the chain (the row after it links to row ${this.last.sequence})`);
    }
    this.accept(row.hash, sequence);
    return problem('deleted', `${at}: the row it follows (sequence ${sequence - 1n}) is missing`);
  }

  private accept(hash: string | null, sequence: bigint): void {
    this.last = { sequence, hash };
    if (this.checkpointSequences === 'every sequence' || this.checkpointSequences.has(String(sequence))) this.headAt.set(String(sequence), hash);
  }
}

/** `N/M rows valid, ...`, in the manner of `aws cloudtrail validate-logs`. */
export function describeReport(report: ChainReport): string {
  const lines = [
    `organization ${report.organization_id}: ${report.valid_rows}/${report.rows} rows valid, ${report.valid_checkpoints}/${report.checkpoints} checkpoints valid`,
  ];
  const first = report.problems[0];
  if (first) lines.push(`  first broken link: ${first.kind}: ${first.message}`);
  if (report.problems.length > 1) lines.push(`  ${report.problems.length - 1} more problem(s)`);
  return lines.join('\n');
}

/**
 * Verifies an export (`{"kind":"row",...}` lines in chain order, then `{"kind":"checkpoint",...}`
 * lines) without the database: one report per organisation found in it.
 */
export async function verifyExport(lines: AsyncIterable<string> | Iterable<string>, publicKey: KeyObject | undefined): Promise<ChainReport[]> {
  // Checkpoints come after the rows, so which sequences they sign is not known while rows stream:
  // every row's hash is kept until the walk ends (about 150 bytes a row).
  const verifiers = new Map<string, ChainVerifier>();
  const checkpoints = new Map<string, ChainCheckpoint[]>();
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as ({ kind: 'row' } & ChainRow) | ({ kind: 'checkpoint' } & ChainCheckpoint);
    const organizationId = entry.organization_id;
    if (entry.kind === 'row') {
      const verifier = verifiers.get(organizationId) ?? new ChainVerifier(organizationId, 'every sequence');
      verifiers.set(organizationId, verifier);
      const { kind: _kind, ...row } = entry;
      verifier.push(row);
    } else {
      const { kind: _kind, ...checkpoint } = entry;
      checkpoints.set(organizationId, [...(checkpoints.get(organizationId) ?? []), checkpoint]);
    }
  }
  const organizations = new Set([...verifiers.keys(), ...checkpoints.keys()]);
  return [...organizations].map((organizationId) =>
    (verifiers.get(organizationId) ?? new ChainVerifier(organizationId)).finish(checkpoints.get(organizationId) ?? [], publicKey),
  );
}
