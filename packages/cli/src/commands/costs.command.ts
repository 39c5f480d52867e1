import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { AppError } from '@stratus/http';
import { apiClient } from '../api-client.ts';

interface ImportReport {
  id: string;
  status: 'completed' | 'failed';
  rows_total: number;
  rows_imported: number;
  rows_rejected: number;
  batches: number;
  period: { start: string; end: string } | null;
  errors: { line: number; reason: string }[];
  error: string | null;
}

const SHOWN_ERRORS = 20;

export function costsCommand(program: Command): void {
  const costs = program.command('costs').description('cost imports');
  costs
    .command('import')
    .description('import a FOCUS billing export (CSV or Parquet) into a cloud account')
    .argument('<file>', 'a .csv or .parquet FOCUS file')
    .requiredOption('--account <id>', 'the cloud account the costs belong to (stratus accounts list)')
    .action(async (file: string, options: { account: string }) => {
      const type = extname(file).toLowerCase() === '.parquet' ? 'application/vnd.apache.parquet' : 'text/csv';
      const { size } = await stat(file);
      const api = await apiClient();
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'uploading [{bar}] {percentage}% | {value}/{total} bytes', stream: process.stderr }) : undefined;
      bar?.start(size, 0);
      const stream = createReadStream(file);
      stream.on('data', (chunk) => bar?.increment(chunk.length));
      stream.on('end', () => {
        bar?.stop();
        if (process.stderr.isTTY) process.stderr.write('validating and publishing...\n');
      });
      const report = await api.request<ImportReport>(
        'POST',
        `/v1/cloud-accounts/${options.account}/cost-imports/file?file_name=${encodeURIComponent(basename(file))}`,
        { body: Readable.toWeb(stream) as ReadableStream, contentType: type },
      );
      if (report.status === 'failed') {
        throw new AppError('invalid', `import ${report.id} failed: ${report.error}${report.errors.length ? `; first refused row: line ${report.errors[0]!.line}: ${report.errors[0]!.reason}` : ''}`);
      }
      console.log(`imported ${report.rows_imported} of ${report.rows_total} rows in ${report.batches} batches, period ${report.period?.start} to ${report.period?.end} (import ${report.id})`);
      if (report.rows_rejected > 0) {
        console.log(`${report.rows_rejected} rows refused:`);
        for (const error of report.errors.slice(0, SHOWN_ERRORS)) console.log(`  line ${error.line}: ${error.reason}`);
        if (report.rows_rejected > SHOWN_ERRORS) console.log(`  ... the first ${report.errors.length} are in GET /v1/cost-imports/${report.id}`);
      }
    });
}
