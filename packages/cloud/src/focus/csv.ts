import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { columnIndex, FocusFileError, normalizeRow, type FocusBatch, type FocusField, type FocusReadOptions } from './normalize.ts';

/**
 * Streams a FOCUS CSV export as batches of valid rows and the rows refused (with their line; the
 * header is line 1). Memory stays bounded whatever the file's size. A file without the required
 * columns throws FocusFileError before any row is yielded.
 */
export async function* readFocusCsv(input: Readable | AsyncIterable<Buffer | string>, options: FocusReadOptions = {}): AsyncIterable<FocusBatch> {
  const batchSize = options.batchSize ?? 1_000;
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  const source = (async () => {
    try {
      for await (const chunk of input) if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  const timestamps = new Map<string, string | undefined>();
  let index: ReturnType<typeof columnIndex> | undefined;
  let batch: FocusBatch = { rows: [], errors: [] };
  let lastLine = 0;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    // A quoted field may span lines: a record starts on the line after the previous one ended.
    const line = lastLine + 1;
    lastLine = info.lines;
    if (!index) {
      index = columnIndex(record);
      continue;
    }
    const columns = index;
    const row = normalizeRow((field: FocusField) => (columns[field] === -1 ? undefined : record[columns[field]]), options, timestamps);
    if (typeof row === 'string') batch.errors.push({ line, reason: row });
    else batch.rows.push(row);
    if (batch.rows.length >= batchSize) {
      yield batch;
      batch = { rows: [], errors: [] };
    }
  }
  await source;
  if (!index) throw new FocusFileError('the file is empty: expected a FOCUS header row');
  if (batch.rows.length > 0 || batch.errors.length > 0) yield batch;
}
