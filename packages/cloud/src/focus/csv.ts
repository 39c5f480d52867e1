import type { Readable } from 'node:stream';
import { csvRecords } from './csv-records.ts';
import { BatchCollector, FocusFileError, FocusRowReader, type FocusBatch, type FocusReadOptions } from './rows.ts';

/**
 * Streams a FOCUS CSV export as batches of normalised rows and refused rows (with the line each
 * starts on; the header is line 1), the last batch carrying the file's counts. Memory stays bounded
 * whatever the file's size. A file without the required columns throws FocusFileError before any
 * batch is yielded; broken CSV (a quote never closed) throws it where it is found.
 */
export async function* readFocusCsv(input: Readable | AsyncIterable<Buffer | string>, options: FocusReadOptions = {}): AsyncGenerator<FocusBatch> {
  const batches = new BatchCollector(options.batchSize);
  let reader: FocusRowReader | undefined;
  let width = 0;
  const pick = (header: readonly string[]) => {
    reader = new FocusRowReader(header, options);
    width = header.length;
    return reader.positions;
  };
  for await (const { records, lines } of csvRecords(input, pick)) {
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      // A row of another width has lost or gained a field (an unquoted comma): its cells cannot be trusted.
      if (record.length !== width) batches.add(lines[i]!, `the row has ${record.length} fields, the header ${width}`);
      else {
        const result = reader!.read(record);
        batches.add(lines[i]!, result, typeof result === 'string' ? reader!.facts(record) : undefined);
      }
      if (batches.full) yield batches.take();
    }
  }
  if (!reader) throw new FocusFileError('the file is empty: expected a FOCUS header row');
  yield batches.finish();
}
