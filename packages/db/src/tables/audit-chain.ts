import type { ColumnsOf, GeneratedTimestamp, Generated } from './column-types.ts';

/** A signed statement of an organisation's audit chain head (append-only). */
export interface AuditCheckpointsTable {
  id: Generated<string>;
  organization_id: string;
  sequence: string;
  head_hash: Buffer;
  /** The organisation's previous checkpoint's signature, so that checkpoints chain too. */
  previous_signature: Buffer | null;
  signed_at: Date;
  /** Which AUDIT_SIGNING_KEY signed it: the public key's SHA-256, first 16 hex digits. */
  key_id: string;
  signature: Buffer;
  created_at: GeneratedTimestamp;
}

export interface AuditChainTables {
  audit_checkpoints: AuditCheckpointsTable;
}

export const auditChainColumns: ColumnsOf<AuditChainTables> = {
  audit_checkpoints: {
    id: 'not null',
    organization_id: 'not null',
    sequence: 'not null',
    head_hash: 'not null',
    previous_signature: 'null',
    signed_at: 'not null',
    key_id: 'not null',
    signature: 'not null',
    created_at: 'not null',
  },
};
