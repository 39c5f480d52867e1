export { readFocusCsv } from './csv.ts';
export { readFocusParquet } from './parquet.ts';
export { writeSampleFocusCsv, type SampleFocusOptions } from './sample-file.ts';
export { canonicalDecimal, canonicalTimestamp } from './normalize.ts';
export { FOCUS_COLUMNS, FocusFileError, type FocusBatch, type FocusReadOptions, type FocusRowError, type FocusRowFacts, type FocusSummary } from './rows.ts';
export { providerOf } from './providers.ts';
