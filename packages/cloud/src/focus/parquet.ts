import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { canonicalDecimal, columnIndex, FOCUS_COLUMNS, normalizeRow, type FocusBatch, type FocusField, type FocusReadOptions } from './normalize.ts';

/**
 * A FOCUS Parquet export as batches, like readFocusCsv; `line` is the row number + 1, so it reads
 * as it would in the same data as CSV. Parquet keeps its schema at the end of the file, hence a
 * path (read piece by piece) or the bytes.
 */
export async function* readFocusParquet(source: string | ArrayBuffer, options: FocusReadOptions = {}): AsyncIterable<FocusBatch> {
  const batchSize = options.batchSize ?? 1_000;
  const file = typeof source === 'string' ? await asyncBufferFromFile(source) : source;
  const metadata = await parquetMetadataAsync(file);
  const columns = parquetSchema(metadata).children.map((child) => child.element);
  const header = columns.map((column) => column.name);
  const index = columnIndex(header);
  const byField = Object.fromEntries(
    (Object.keys(FOCUS_COLUMNS) as FocusField[]).map((field) => [field, index[field] === -1 ? undefined : columns[index[field]]]),
  ) as Record<FocusField, (typeof columns)[number] | undefined>;
  const timestamps = new Map<string, string | undefined>();
  const total = Number(metadata.num_rows);
  for (let start = 0; start < total; start += batchSize) {
    const records = (await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: Math.min(total, start + batchSize) })) as Record<string, unknown>[];
    const batch: FocusBatch = { rows: [], errors: [] };
    for (const [offset, record] of records.entries()) {
      const cell = (field: FocusField) => {
        const column = byField[field];
        return column ? text(record[column.name], column.scale) : undefined;
      };
      const row = normalizeRow(cell, options, timestamps);
      if (typeof row === 'string') batch.errors.push({ line: start + offset + 2, reason: row });
      else batch.rows.push(row);
    }
    yield batch;
  }
}

/**
 * Parquet cells as the text the CSV path would have read. DECIMAL columns arrive as floats (value
 * times 10^-scale), which toFixed(scale) turns back into their exact digits; other numbers use the
 * shortest text that round-trips.
 */
function text(value: unknown, scale: number | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return canonicalDecimal(scale ? value.toFixed(scale) : String(value)) ?? String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
