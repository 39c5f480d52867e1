import type { ColumnsOf, Generated, GeneratedTimestamp } from './column-types.ts';
import type { AutomationRuleStatus } from './enums.ts';

/**
 * A named off-hours schedule: the resources that `match` (the match language) follow `spec`
 * (Cloud Custodian's offhours syntax), except on `holidays`. A resource's `stratus:schedule` tag
 * wins over every named schedule.
 */
export interface SchedulesTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  match: string;
  spec: string;
  /** Local dates (YYYY-MM-DD) without scheduled change. */
  holidays: Generated<string[]>;
  status: Generated<AutomationRuleStatus>;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface ScheduleTables {
  schedules: SchedulesTable;
}

export const scheduleColumns: ColumnsOf<ScheduleTables> = {
  schedules: {
    id: 'not null',
    organization_id: 'not null',
    name: 'not null',
    match: 'not null',
    spec: 'not null',
    holidays: 'not null',
    status: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};
