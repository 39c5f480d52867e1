import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Readable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import { AppError } from '@stratus/http';
import { apiClient, printTable } from '../api-client.ts';
import { CLOUD_PROVIDERS, UNLINKED_SUB_ACCOUNTS, type ImportBreakdown } from '@stratus/db';
import { waitForOutcome, type StoredImport } from './cost-import-outcome.ts';
import { formatImportReport } from './cost-import-report.ts';

interface ImportReport {
  id: string;
  status: 'applying' | 'failed';
  rows_total: number;
  rows_imported: number;
  rows_rejected: number;
  batches: number;
  period: { start: string; end: string } | null;
  errors: { line: number; reason: string }[];
  error: string | null;
  breakdown: ImportBreakdown;
}

interface BillingImportReport {
  id: string;
  status: 'routed' | 'failed';
  rows_total: number;
  rows_routed: number;
  rows_rejected: number;
  rows_unassigned: number;
  errors: { line: number; reason: string }[];
  error: string | null;
  breakdown: ImportBreakdown;
  unassigned: { provider: string; sub_account_id: string; sub_account_name: string | null; currency: string; rows: number; billed_cost: string }[];
  linked_accounts: { cloud_account_id: string; provider: string; account_id: string; name: string }[];
  imports: (ImportReport & { cloud_account_id: string })[];
}

/** The upload of a file as the import API takes it, with a progress bar on a terminal. */
async function fileBody(file: string): Promise<{ body: Readable; contentType: string }> {
  const contentType = extname(file).toLowerCase() === '.parquet' ? 'application/vnd.apache.parquet' : 'text/csv';
  const { size } = await stat(file);
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'uploading [{bar}] {percentage}% | {value}/{total} bytes', stream: process.stderr }) : undefined;
  bar?.start(size, 0);
  const stream = createReadStream(file);
  stream.on('data', (chunk) => bar?.increment(chunk.length));
  stream.on('end', () => {
    bar?.stop();
    if (process.stderr.isTTY) process.stderr.write('validating and publishing...\n');
  });
  return { body: stream, contentType };
}

/**
 * A billing account's file, imported for the organisation: the report of the routing, then each
 * account's import waited for (one deadline for all of them).
 */
async function importForOrganisation(file: string, options: { unlinked?: string; wait: number; json?: boolean }): Promise<void> {
  const api = await apiClient();
  const query = `file_name=${encodeURIComponent(basename(file))}${options.unlinked ? `&unlinked_sub_accounts=${encodeURIComponent(options.unlinked)}` : ''}`;
  const report = await api.request<BillingImportReport>('POST', `/v1/cost-imports/file?${query}`, await fileBody(file));
  if (report.status === 'failed') {
    if (options.json) console.log(JSON.stringify(report, null, 2));
    throw new AppError('invalid', `import ${report.id} failed: ${report.error}${report.errors.length ? `; first refused row: line ${report.errors[0]!.line}: ${report.errors[0]!.reason}` : ''}`);
  }
  const say = options.json ? () => undefined : (text: string) => console.log(text);
  say(
    `read ${report.rows_total} rows: ${report.rows_routed} routed to ${report.imports.length} accounts, ` +
      `${report.rows_unassigned} kept as unassigned cost, ${report.rows_rejected} refused (billing import ${report.id})`,
  );
  for (const account of report.linked_accounts) say(`linked ${account.provider} ${account.account_id} as billing-only account "${account.name}" (${account.cloud_account_id})`);
  for (const kept of report.unassigned) {
    say(`unassigned: ${kept.provider} ${kept.sub_account_id}${kept.sub_account_name ? ` "${kept.sub_account_name}"` : ''}, ${kept.rows} rows, ${kept.billed_cost} ${kept.currency} (stratus costs unassigned)`);
  }
  for (const line of formatImportReport(report.breakdown)) say(line);
  const deadline = Date.now() + options.wait * 1000;
  const outcomes: (Pick<StoredImport, 'status' | 'error'> & { id: string; cloud_account_id: string; rows_imported: number })[] = [];
  for (const share of report.imports) {
    const outcome = options.wait > 0 ? await waitForOutcome(api, share.id, { timeoutMs: Math.max(0, deadline - Date.now()) }) : share;
    outcomes.push({ id: share.id, cloud_account_id: share.cloud_account_id, rows_imported: share.rows_imported, status: outcome.status, error: outcome.error });
  }
  if (options.json) {
    console.log(JSON.stringify({ ...report, imports: report.imports.map((share, index) => ({ ...share, status: outcomes[index]!.status, error: outcomes[index]!.error })) }, null, 2));
  }
  say('');
  for (const outcome of outcomes) say(`account ${outcome.cloud_account_id}: import ${outcome.id} ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}, ${outcome.rows_imported} rows`);
  const refused = outcomes.filter((outcome) => outcome.status === 'refused');
  if (refused.length > 0) throw new AppError('invalid', `${refused.length} of ${outcomes.length} account imports refused by the cost store: ${refused[0]!.error}`);
  const waiting = outcomes.filter((outcome) => outcome.status !== 'applied');
  if (options.wait > 0 && waiting.length > 0) {
    throw new AppError('unavailable', `${waiting.length} account imports still ${waiting[0]!.status} after ${options.wait} s; is the cost service running? GET /v1/billing-imports/${report.id} shows where they stand`);
  }
}

export function costsCommand(program: Command): void {
  const costs = program.command('costs').description('cost imports and archives');
  costs
    .command('import')
    .description(
      'import a FOCUS billing export (CSV or Parquet): without --account, a whole billing account\'s file whose rows go to the accounts their SubAccountId names',
    )
    .argument('<file>', 'a .csv or .parquet FOCUS file')
    .option('--account <id>', 'import into this cloud account only, refusing rows of others (stratus accounts list)')
    .addOption(
      new Option(
        '--unlinked <what>',
        "without --account: link sub-accounts nobody linked as billing-only accounts, keep their rows as unassigned cost, or refuse them (default: the organisation's setting, stratus costs settings)",
      ).choices(UNLINKED_SUB_ACCOUNTS),
    )
    .option('--wait <seconds>', 'how long to wait for the cost store to apply or refuse the import (0: do not wait)', '600')
    .option('--json', 'print the import, its report and final status as JSON')
    .action(async (file: string, options: { account?: string; unlinked?: string; wait: string; json?: boolean }) => {
      const waitSeconds = Number(options.wait);
      if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new AppError('invalid', `--wait must be a number of seconds, not ${options.wait}`);
      if (options.account === undefined) {
        await importForOrganisation(file, { ...(options.unlinked ? { unlinked: options.unlinked } : {}), wait: waitSeconds, ...(options.json ? { json: true } : {}) });
        return;
      }
      const api = await apiClient();
      const report = await api.request<ImportReport>(
        'POST',
        `/v1/cloud-accounts/${options.account}/cost-imports/file?file_name=${encodeURIComponent(basename(file))}`,
        await fileBody(file),
      );
      if (report.status === 'failed') {
        if (options.json) console.log(JSON.stringify(report, null, 2));
        throw new AppError('invalid', `import ${report.id} failed: ${report.error}${report.errors.length ? `; first refused row: line ${report.errors[0]!.line}: ${report.errors[0]!.reason}` : ''}`);
      }
      const say = options.json ? () => undefined : (text: string) => console.log(text);
      say(`read ${report.rows_total} rows: ${report.rows_imported} handed to the cost store in ${report.batches} batches, period ${report.period?.start} to ${report.period?.end} (import ${report.id})`);
      for (const line of formatImportReport(report.breakdown)) say(line);
      if (report.rows_rejected > 0) say(`\nrefused rows: GET /v1/cost-imports/${report.id}/refused.csv`);
      let outcome: Pick<StoredImport, 'status' | 'error'> = report;
      if (waitSeconds > 0) {
        const onWaiting = process.stderr.isTTY && !options.json ? (ms: number) => process.stderr.write(`\rwaiting for the cost store... ${Math.round(ms / 1000)} s`) : undefined;
        outcome = await waitForOutcome(api, report.id, { timeoutMs: waitSeconds * 1000, ...(onWaiting ? { onWaiting } : {}) });
        if (onWaiting) process.stderr.write('\n');
      }
      if (options.json) console.log(JSON.stringify({ ...report, status: outcome.status, error: outcome.error }, null, 2));
      if (outcome.status === 'refused') throw new AppError('invalid', `import ${report.id} refused by the cost store: ${outcome.error}`);
      if (outcome.status === 'applied') say(`\nstatus: applied (${report.rows_imported} rows count in every total)`);
      else if (waitSeconds === 0) say(`\nstatus: applying (GET /v1/cost-imports/${report.id} shows when the cost store has applied it)`);
      else {
        throw new AppError('unavailable', `import ${report.id} is still ${outcome.status} after ${waitSeconds} s; is the cost service running? GET /v1/cost-imports/${report.id} shows when it is applied`);
      }
    });

  costs
    .command('report')
    .description("an import's report: rows and amounts kept and refused per provider, sub-account and charge category, refusals by reason")
    .argument('<import-id>', 'the import (stratus costs import prints it)')
    .option('--json', 'print the import and its report as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const api = await apiClient();
      const imported = await api.request<StoredImport & { rows_total: number; rows_imported: number; rows_rejected: number; breakdown: ImportBreakdown | null }>('GET', `/v1/cost-imports/${id}`);
      if (options.json) {
        console.log(JSON.stringify(imported, null, 2));
        return;
      }
      console.log(`import ${id}: ${imported.status}${imported.error ? ` (${imported.error})` : ''}; ${imported.rows_total} rows read, ${imported.rows_imported} kept, ${imported.rows_rejected} refused`);
      if (imported.breakdown) for (const line of formatImportReport(imported.breakdown)) console.log(line);
      if (imported.rows_rejected > 0) console.log(`\nrefused rows: GET /v1/cost-imports/${id}/refused.csv`);
    });

  costs
    .command('settings')
    .description("show the organisation's cost import settings, or change them")
    .addOption(
      new Option('--unlinked <what>', 'what billing imports do with sub-accounts nobody linked: link them as billing-only accounts, keep them as unassigned cost, or refuse them').choices(
        UNLINKED_SUB_ACCOUNTS,
      ),
    )
    .option('--json', 'print the settings as JSON')
    .action(async (options: { unlinked?: string; json?: boolean }) => {
      const api = await apiClient();
      const settings = options.unlinked
        ? await api.request<{ unlinked_sub_accounts: string }>('PUT', '/v1/cost-import-settings', { json: { unlinked_sub_accounts: options.unlinked } })
        : await api.request<{ unlinked_sub_accounts: string }>('GET', '/v1/cost-import-settings');
      if (options.json) console.log(JSON.stringify(settings, null, 2));
      else console.log(`sub-accounts nobody linked: ${settings.unlinked_sub_accounts}`);
    });

  costs
    .command('unassigned')
    .description('cost of sub-accounts no cloud account is linked to, that billing imports kept as unassigned cost')
    .addOption(new Option('--group-by <grouping>', 'sum by').choices(['sub_account', 'provider', 'service', 'charge_category', 'day']).default('sub_account'))
    .option('--from <day>', 'first day, YYYY-MM-DD')
    .option('--to <day>', 'last day, YYYY-MM-DD (included)')
    .addOption(new Option('--provider <provider>', 'only this provider').choices(CLOUD_PROVIDERS))
    .option('--sub-account <id>', 'only this sub-account')
    .option('--json', 'print the groups and totals as JSON')
    .action(async (options: { groupBy: string; from?: string; to?: string; provider?: string; subAccount?: string; json?: boolean }) => {
      const api = await apiClient();
      const query = new URLSearchParams({ group_by: options.groupBy });
      for (const [name, value] of [['from', options.from], ['to', options.to], ['provider', options.provider], ['sub_account_id', options.subAccount]] as const) {
        if (value !== undefined) query.set(name, value);
      }
      const result = await api.request<{ groups: Record<string, unknown>[]; totals: Record<string, unknown>[] }>('GET', `/v1/unassigned-costs?${query}`);
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      const keys: Record<string, string[]> = {
        sub_account: ['provider', 'sub_account_id', 'sub_account_name'],
        provider: ['provider'],
        service: ['service_name'],
        charge_category: ['charge_category'],
        day: ['charge_date'],
      };
      printTable(result.groups, [...keys[options.groupBy]!, 'currency', 'rows', 'billed_cost', 'effective_cost']);
      for (const total of result.totals) console.log(`\ntotal ${total.currency}: ${total.billed_cost} billed, ${total.effective_cost} effective, ${total.rows} rows`);
      if (result.totals.length === 0) console.log('\nno unassigned cost (stratus costs settings --unlinked unassigned keeps the rows of sub-accounts nobody linked)');
    });

  costs
    .command('export')
    .description('cost lines of a period as a FOCUS 1.2 file (CSV or Parquet), downloaded, or written to the object store with a link')
    .requiredOption('--from <YYYY-MM-DD>', 'first day (UTC)')
    .requiredOption('--to <YYYY-MM-DD>', 'day after the last (UTC)')
    .option('--account <id...>', 'only these cloud accounts (stratus accounts list)')
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'parquet']).default('csv'))
    .option('--output <file>', 'where to write the file (default focus_<from>_<to>.<format>)')
    .option('--bucket', 'write it to the object store instead, and print a link to it')
    .option('--json', 'with --bucket: print the stored export as JSON')
    .action(async (options: { from: string; to: string; account?: string[]; format: string; output?: string; bucket?: boolean; json?: boolean }) => {
      const api = await apiClient('cost');
      const selection = { from: options.from, to: options.to, format: options.format, ...(options.account ? { accounts: options.account } : {}) };
      if (options.bucket) {
        const stored = await api.request<{ bucket: string; key: string; rows: number; url: string; expires_at: string }>('POST', '/v1/costs/focus-exports', { json: selection });
        if (options.json) console.log(JSON.stringify(stored, null, 2));
        else console.log(`${stored.rows} cost lines written to s3://${stored.bucket}/${stored.key}\n${stored.url}\n(the link works until ${stored.expires_at})`);
        return;
      }
      const query = new URLSearchParams({ from: options.from, to: options.to, format: options.format, ...(options.account ? { accounts: options.account.join(',') } : {}) });
      const file = options.output ?? `focus_${options.from}_${options.to}.${options.format}`;
      const bytes = await api.download(`/v1/costs/focus-export?${query}`, file);
      console.log(`${file}: ${bytes} bytes`);
    });

  const archives = costs.command('archives').description('months of cost lines archived to the object store past retention');
  archives
    .command('list')
    .description("the organisation's archived months: rows, sums per currency, where in the bucket, and whether restored")
    .option('--json', 'print the archives as JSON')
    .action(async (options: { json?: boolean }) => {
      const { items } = await (await apiClient('cost')).request<{ items: ArchiveRow[] }>('GET', '/v1/costs/archives');
      if (options.json) {
        console.log(JSON.stringify(items, null, 2));
        return;
      }
      printTable(
        items.map((archive) => ({ ...archive, month: archive.month.slice(0, 7), sums: formatSums(archive.sums), location: `s3://${archive.bucket}/${archive.manifest_key.replace(/manifest\.json$/, '')}` })),
        ['month', 'status', 'rows', 'sums', 'location'],
      );
    });
  archives
    .command('restore')
    .description("puts an archived month's cost lines back into the cost store (checked against the archive's manifest); asking again completes a failed restore")
    .argument('<month>', 'the month, YYYY-MM')
    .option('--json', 'print the archive as JSON')
    .action(async (month: string, options: { json?: boolean }) => {
      const archive = await (await apiClient('cost')).request<ArchiveRow>('POST', `/v1/costs/archives/${encodeURIComponent(month)}/restore`);
      if (options.json) {
        console.log(JSON.stringify(archive, null, 2));
        return;
      }
      console.log(`${month}: ${archive.status}, ${archive.rows} cost lines (${formatSums(archive.sums)})`);
    });
}

interface ArchiveRow {
  month: string;
  status: string;
  bucket: string;
  manifest_key: string;
  rows: string;
  sums: Record<string, string>;
}

function formatSums(sums: Record<string, string>): string {
  return Object.entries(sums).map(([currency, sum]) => `${sum} ${currency}`).join(', ');
}
