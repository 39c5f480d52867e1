import type { ColumnsOf, Generated, GeneratedJsonb, GeneratedTimestamp, NullableTimestamp } from './column-types.ts';
import type { ActionType, AutomationRuleStatus, OperationStatus } from './enums.ts';

/** A scheduled rule: on `cron` (in `timezone`), apply `action` to the resources that `match`. */
export interface AutomationRulesTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string | null;
  name: string;
  /** e.g. env=dev AND type=vm */
  match: string;
  /** start / stop / scale, ... */
  action: ActionType;
  cron: string;
  /** IANA zone, 'UTC' by default. */
  timezone: Generated<string>;
  parameters: GeneratedJsonb;
  status: Generated<AutomationRuleStatus>;
  /** The blast radius: a run matching more resources requests nothing and fails (blast_radius). */
  max_resources: Generated<number>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface AutomationRuleRunsTable {
  id: Generated<string>;
  organization_id: string;
  rule_id: string;
  user_id: string | null;
  started_at: GeneratedTimestamp;
  finished_at: NullableTimestamp;
  status: Generated<OperationStatus>;
  details: GeneratedJsonb;
  /** The cron tick the run is for (unique per rule); null for a run requested by hand. */
  scheduled_for: NullableTimestamp;
}

export interface AutomationTables {
  automation_rules: AutomationRulesTable;
  automation_rule_runs: AutomationRuleRunsTable;
}

export const automationColumns: ColumnsOf<AutomationTables> = {
  automation_rules: {
    id: 'not null',
    organization_id: 'not null',
    user_id: 'null',
    name: 'not null',
    match: 'not null',
    action: 'not null',
    cron: 'not null',
    timezone: 'not null',
    parameters: 'not null',
    status: 'not null',
    max_resources: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  automation_rule_runs: {
    id: 'not null',
    organization_id: 'not null',
    rule_id: 'not null',
    user_id: 'null',
    started_at: 'not null',
    finished_at: 'null',
    status: 'not null',
    details: 'not null',
    scheduled_for: 'null',
  },
};
