import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { REPORT_TYPES } from '@stratus/db';
import { AppError } from '@stratus/http';
import { apiClient, printTable } from '../api-client.ts';

interface ReportRow {
  id: string;
  name: string;
  report_type: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  next_runs: string[];
}

interface RunRow {
  id: string;
  trigger: string;
  status: string;
  rows: number | null;
  csv_key: string | null;
  error: string | null;
  started_at: string;
}

const cost = () => apiClient('cost');

function print(json: boolean | undefined, value: unknown, human: () => void): void {
  if (json) console.log(JSON.stringify(value, null, 2));
  else human();
}

/** `--parameters '{"group_by":["service"]}'`, or `@file.json`. */
async function jsonOption(value: string | undefined, option: string): Promise<unknown> {
  if (value === undefined) return undefined;
  const text = value.startsWith('@') ? await readFile(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError('invalid', `${option} must be JSON (or @file.json): ${(error as Error).message}`);
  }
}

export function reportsCommand(program: Command): void {
  const reports = program.command('reports').description('scheduled reports: cost breakdowns, showback, recommendations and savings, sent as links (cost API)');
  reports
    .command('list')
    .description("the organisation's reports, with their next run")
    .option('--json', 'print the reports as JSON')
    .action(async (options: { json?: boolean }) => {
      const { items } = await (await cost()).request<{ items: ReportRow[] }>('GET', '/v1/reports?limit=500');
      print(options.json, items, () =>
        printTable(items.map((report) => ({ ...report, next_run: report.next_runs[0] ?? '(disabled)' })), ['id', 'name', 'report_type', 'cron', 'timezone', 'next_run']),
      );
    });
  reports
    .command('create')
    .description('a report on a cron, in a time zone; its runs go to the bucket and to its channels')
    .argument('<name>', 'what people will see it as')
    .addOption(new Option('--type <type>', 'what it reports').choices(REPORT_TYPES).makeOptionMandatory())
    .requiredOption('--cron <cron>', '5 fields, e.g. "0 8 1 * *" (08:00 on the 1st)')
    .option('--timezone <zone>', 'IANA zone the cron reads its wall clock in', 'UTC')
    .option('--parameters <json>', 'e.g. \'{"group_by":["service"],"period":"last_month"}\' or @file.json (see the README)')
    .option('--channels <json>', 'e.g. \'[{"type":"email","to":"finops@example.com"}]\' or @file.json')
    .option('--json', 'print the report as JSON')
    .action(async (name: string, options: { type: string; cron: string; timezone: string; parameters?: string; channels?: string; json?: boolean }) => {
      const parameters = await jsonOption(options.parameters, '--parameters');
      const channels = await jsonOption(options.channels, '--channels');
      const body = {
        name,
        report_type: options.type,
        cron: options.cron,
        timezone: options.timezone,
        ...(parameters !== undefined ? { parameters } : {}),
        ...(channels !== undefined ? { notification_channels: channels } : {}),
      };
      const report = await (await cost()).request<ReportRow>('POST', '/v1/reports', { json: body });
      print(options.json, report, () => console.log(`report ${report.id} created; next run ${report.next_runs[0] ?? '(disabled)'}`));
    });
  reports
    .command('run')
    .description('run a report now (queued; `stratus reports runs` shows the outcome)')
    .argument('<id>', 'the report (stratus reports list)')
    .action(async (id: string) => {
      const { job_id } = await (await cost()).request<{ job_id: string }>('POST', `/v1/reports/${id}/run`);
      console.log(`queued (${job_id})`);
    });
  reports
    .command('runs')
    .description("a report's runs, newest first, with their outcome and where their CSV is")
    .argument('<id>', 'the report (stratus reports list)')
    .option('--json', 'print the runs as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { items } = await (await cost()).request<{ items: RunRow[] }>('GET', `/v1/reports/${id}/runs`);
      print(options.json, items, () => printTable(items.map((run) => ({ ...run, outcome: run.error ?? run.csv_key ?? '' })), ['started_at', 'trigger', 'status', 'rows', 'outcome']));
    });
  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    reports
      .command(verb)
      .description(enabled ? 'run a report on its schedule again' : 'stop the scheduled runs of a report (it can still be run by hand)')
      .argument('<id>', 'the report (stratus reports list)')
      .action(async (id: string) => {
        const report = await (await cost()).request<ReportRow>('PATCH', `/v1/reports/${id}`, { json: { enabled } });
        console.log(`report ${report.id} ${verb}d; next run ${report.next_runs[0] ?? '(none)'}`);
      });
  }
  reports
    .command('delete')
    .description('delete a report and its runs (objects already written expire with the lifecycle rule)')
    .argument('<id>', 'the report (stratus reports list)')
    .action(async (id: string) => {
      await (await cost()).request('DELETE', `/v1/reports/${id}`);
      console.log(`report ${id} deleted`);
    });
}
