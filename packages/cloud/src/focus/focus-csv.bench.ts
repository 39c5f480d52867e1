/**
 * readFocusCsv throughput on a generated AWS-style FOCUS 1.0 export (48 columns, ~1 KB a row,
 * 20,000 resources with their own tags, daily rows), beside two baselines on the same file: reading
 * its bytes, and csv-parse alone. Rows default to 1,000,000 (FOCUS_BENCH_ROWS). The file is
 * written to the temp directory and removed at the end.
 *   node packages/cloud/src/focus/focus-csv.bench.ts
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { readFocusCsv } from './csv.ts';
import { writeSampleFocusCsv } from './sample-file.ts';

const ROWS = Number(process.env.FOCUS_BENCH_ROWS ?? 1_000_000);
async function measure(label: string, run: () => Promise<number>): Promise<void> {
  global.gc?.();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const rows = await run();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const mb = (await stat(file)).size / 2 ** 20;
  console.log(
    `${label.padEnd(22)} ${String(Math.round(rows / seconds)).padStart(9)} rows/s ${(mb / seconds).toFixed(0).padStart(5)} MB/s  ${seconds.toFixed(2)} s  peak RSS ${Math.round(peak / 2 ** 20)} MB`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'stratus-focus-bench-'));
const file = join(dir, 'focus.csv');
try {
  await writeSampleFocusCsv(file, { rows: ROWS, month: '2026-11' });
  console.log(`${ROWS} rows, ${((await stat(file)).size / 2 ** 20).toFixed(0)} MB`);
  await measure('read bytes', async () => {
    for await (const _ of createReadStream(file));
    return ROWS;
  });
  await measure('csv-parse alone', async () => {
    let records = 0;
    for await (const _ of createReadStream(file).pipe(parse({ bom: true }))) records += 1;
    return records - 1;
  });
  await measure('readFocusCsv', async () => {
    let rows = 0;
    for await (const batch of readFocusCsv(createReadStream(file))) {
      if (batch.errors.length > 0) throw new Error(`unexpected: ${JSON.stringify(batch.errors[0])}`);
      rows += batch.rows.length;
    }
    return rows;
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
