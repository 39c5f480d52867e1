import type { ColumnType } from 'kysely';
import type { ColumnsOf, Generated, GeneratedTimestamp, NullableNumeric, Numeric, Timestamp } from './column-types.ts';
import type { RealizedSavingsStatus } from './enums.ts';

type NullableDay = ColumnType<string | null, string | null | undefined, string | null>;

/**
 * What a succeeded recommendation saved, measured from the cost lines imported around its action
 * (migration RealizedSavings). Daily figures are in `currency`, the resource's main currency.
 */
export interface RealizedSavingsTable {
  recommendation_id: string;
  organization_id: string;
  cloud_account_id: string;
  resource_id: string;
  /** When the action succeeded: its day belongs to neither window. */
  acted_at: Timestamp;
  status: Generated<RealizedSavingsStatus>;
  currency: string | null;
  /** The baseline window, [start, end] inclusive, and the imported days in it. */
  baseline_start: NullableDay;
  baseline_end: NullableDay;
  baseline_days: Generated<number>;
  baseline_daily: NullableNumeric;
  after_days: Generated<number>;
  after_daily: NullableNumeric;
  /** Monthly rate: (baseline_daily - after_daily) x days per month, comparable to estimated_savings. */
  realized_savings: NullableNumeric;
  /** The last measured day after the action. */
  measured_through: NullableDay;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** One measured day after an action: the baseline minus what the resource cost that day. */
export interface RealizedSavingsDaysTable {
  recommendation_id: string;
  day: string;
  organization_id: string;
  cloud_account_id: string;
  currency: string;
  cost: Numeric;
  savings: Numeric;
}

export interface RealizedSavingsTables {
  realized_savings: RealizedSavingsTable;
  realized_savings_days: RealizedSavingsDaysTable;
}

export const realizedSavingsColumns: ColumnsOf<RealizedSavingsTables> = {
  realized_savings: {
    recommendation_id: 'not null',
    organization_id: 'not null',
    cloud_account_id: 'not null',
    resource_id: 'not null',
    acted_at: 'not null',
    status: 'not null',
    currency: 'null',
    baseline_start: 'null',
    baseline_end: 'null',
    baseline_days: 'not null',
    baseline_daily: 'null',
    after_days: 'not null',
    after_daily: 'null',
    realized_savings: 'null',
    measured_through: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  realized_savings_days: {
    recommendation_id: 'not null',
    day: 'not null',
    organization_id: 'not null',
    cloud_account_id: 'not null',
    currency: 'not null',
    cost: 'not null',
    savings: 'not null',
  },
};
