import type {
  ColumnsOf,
  Generated,
  GeneratedJsonb,
  GeneratedTimestamp,
  NullableJsonb,
  NullableTimestamp,
} from './column-types.ts';
import type { NotificationStatus } from './enums.ts';

export interface NotificationsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string | null;
  team_id: string | null;
  title: string;
  message: string;
  type: string;
  status: Generated<NotificationStatus>;
  created_at: GeneratedTimestamp;
  expires_at: NullableTimestamp;
  data: NullableJsonb;
}

/**
 * The activity stream shown to users (seed 000). Append-only: a trigger refuses UPDATE and DELETE
 * (except the cascade that erases a whole organisation), and services may only insert.
 */
export interface ActivityLogTable {
  id: Generated<string>;
  organization_id: string;
  /** The acting user, when there is one. */
  actor: string | null;
  /** link_account, operation, rule_run, recommendation, ... */
  type: string;
  /** What it was about: a resource, account or rule id. */
  subject: string | null;
  summary: string;
  status: string | null;
  details: GeneratedJsonb;
  /** Set by the database when the row is inserted, whatever the writer gives. */
  created_at: GeneratedTimestamp;
  /** The trace of the request (or job) that caused it: the `traceresponse` a caller was given. */
  trace_id: string | null;
}

/**
 * The tamper-evident audit trail (seed 002). Append-only like activity_log. Each entry's `hash`
 * covers its content and `prev_hash` (the previous entry's hash in the organisation's chain); a
 * unique (organization_id, prev_hash) makes a fork of the chain impossible.
 */
export interface AuditLogsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string | null;
  /** The event that produced the entry; unique, so a redelivered event is recorded once. */
  event_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  timestamp: GeneratedTimestamp;
  ip_address: string | null;
  user_agent: string | null;
  details: NullableJsonb;
  /**
   * The row's place in its organisation's chain, 1, 2, ... without gaps. This, `timestamp`,
   * `prev_hash` and `hash` are set by the database's insert trigger (1763856000090), whatever the
   * writer gives.
   */
  sequence: Generated<string>;
  trace_id: string | null;
  prev_hash: Buffer | null;
  hash: Buffer | null;
}

export interface AuditTables {
  notifications: NotificationsTable;
  activity_log: ActivityLogTable;
  audit_logs: AuditLogsTable;
}

export const auditColumns: ColumnsOf<AuditTables> = {
  notifications: {
    id: 'not null',
    organization_id: 'not null',
    user_id: 'null',
    team_id: 'null',
    title: 'not null',
    message: 'not null',
    type: 'not null',
    status: 'not null',
    created_at: 'not null',
    expires_at: 'null',
    data: 'null',
  },
  activity_log: {
    id: 'not null',
    organization_id: 'not null',
    actor: 'null',
    type: 'not null',
    subject: 'null',
    summary: 'not null',
    status: 'null',
    details: 'not null',
    created_at: 'not null',
    trace_id: 'null',
  },
  audit_logs: {
    id: 'not null',
    organization_id: 'not null',
    user_id: 'null',
    event_id: 'null',
    action: 'not null',
    resource_type: 'null',
    resource_id: 'null',
    timestamp: 'not null',
    ip_address: 'null',
    user_agent: 'null',
    details: 'null',
    sequence: 'not null',
    trace_id: 'null',
    prev_hash: 'null',
    hash: 'null',
  },
};
