export { readFocusCsv } from './csv.ts';
export { readFocusParquet } from './parquet.ts';
export { FocusFileError, FOCUS_COLUMNS, canonicalDecimal, canonicalTimestamp, type FocusBatch, type FocusReadOptions, type FocusRowError } from './normalize.ts';
