import type { ColumnsOf, Generated, GeneratedJsonb, GeneratedTimestamp, NullableTimestamp } from './column-types.ts';
import type { CostImportOutcome, CostImportSource } from './enums.ts';

export type CostImportError = { line: number; reason: string };

/** One cost import (provider pull or FOCUS file) and its outcome; written by the ingestion service. */
export interface CostImportsTable {
  id: Generated<string>;
  organization_id: string;
  cloud_account_id: string;
  user_id: string | null;
  source: CostImportSource;
  file_name: string | null;
  status: Generated<CostImportOutcome>;
  period_start: NullableTimestamp;
  period_end: NullableTimestamp;
  rows_total: Generated<number>;
  rows_imported: Generated<number>;
  rows_rejected: Generated<number>;
  batches: Generated<number>;
  errors: GeneratedJsonb<CostImportError[]>;
  error: string | null;
  created_at: GeneratedTimestamp;
  completed_at: NullableTimestamp;
}

export interface IngestionTables {
  cost_imports: CostImportsTable;
}

export const ingestionColumns: ColumnsOf<IngestionTables> = {
  cost_imports: {
    id: 'not null',
    organization_id: 'not null',
    cloud_account_id: 'not null',
    user_id: 'null',
    source: 'not null',
    file_name: 'null',
    status: 'not null',
    period_start: 'null',
    period_end: 'null',
    rows_total: 'not null',
    rows_imported: 'not null',
    rows_rejected: 'not null',
    batches: 'not null',
    errors: 'not null',
    error: 'null',
    created_at: 'not null',
    completed_at: 'null',
  },
};
