import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CLOUD_PROVIDERS, RECOMMENDATION_DISMISS_REASONS, RECOMMENDATION_PRIORITIES, RECOMMENDATION_STATUSES } from '@stratus/db';
import { apiClient, printTable, type ApiClient } from '../api-client.ts';

interface Recommendation {
  id: string;
  etag: string;
  status: string;
  [field: string]: unknown;
}

interface FilterOptions {
  status?: string;
  type?: string;
  account?: string;
  provider?: string;
  priority?: string;
  tag?: string;
  minSavings?: string;
}

function limit(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 500) throw new InvalidArgumentError('give a page size from 1 to 500');
  return number;
}

/** key=value, as --param size=m5.large; a value that reads as JSON (true, 3, {...}) is taken as such. */
function parameter(value: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('give key=value, e.g. --param size=m5.large');
  const raw = value.slice(at + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // A plain string.
  }
  return { ...previous, [value.slice(0, at)]: parsed };
}

function withFilters(command: Command): Command {
  return command
    .addOption(new Option('--status <status>', 'lifecycle status').choices(RECOMMENDATION_STATUSES))
    .option('--type <type>', 'rule, e.g. idle_vm, unattached_disk, rightsize_vm')
    .option('--account <id>', 'only this cloud account')
    .addOption(new Option('--provider <provider>').choices(CLOUD_PROVIDERS))
    .addOption(new Option('--priority <level>', 'this priority or higher').choices(Object.keys(RECOMMENDATION_PRIORITIES)))
    .option('--tag <key=value>', "the resource's tag, e.g. team=payments")
    .option('--min-savings <amount>', 'at least these monthly savings');
}

function filterQuery(options: FilterOptions): URLSearchParams {
  const query = new URLSearchParams();
  const pairs = [
    ['status', options.status],
    ['recommendation_type', options.type],
    ['cloud_account_id', options.account],
    ['provider', options.provider],
    ['priority', options.priority],
    ['tag', options.tag],
    ['min_savings', options.minSavings],
  ] as const;
  for (const [key, value] of pairs) if (value !== undefined) query.set(key, value);
  return query;
}

/** The etag given, or the one the recommendation has now (the change then applies to it as it is). */
async function etagOf(api: ApiClient, id: string, given: string | undefined): Promise<string> {
  return given ?? (await api.request<Recommendation>('GET', `/v1/recommendations/${id}`)).etag;
}

function printOne(recommendation: Recommendation): void {
  const fields = ['id', 'status', 'etag', 'recommendation_type', 'title', 'reason', 'priority_level', 'estimated_savings', 'currency', 'savings_basis', 'action', 'state_metadata', 'realized'];
  for (const field of fields) {
    const value = recommendation[field];
    console.log(`${`${field}:`.padEnd(21)}${value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
}

export function recommendationsCommand(program: Command): void {
  const recommendations = program.command('recommendations').description('savings recommendations (the recommendation API, STRATUS_RECOMMENDATION_URL)');

  withFilters(recommendations.command('list').description('list recommendations, largest monthly savings first'))
    .option('--limit <n>', 'page size (1-500)', limit, 50)
    .option('--all', 'follow every page instead of the first')
    .action(async (options: FilterOptions & { limit: number; all?: boolean }) => {
      const api = await apiClient('recommendation');
      const query = filterQuery(options);
      query.set('limit', String(options.limit));
      const rows: Recommendation[] = [];
      let cursor: string | null = null;
      do {
        if (cursor) query.set('cursor', cursor);
        const page: { items: Recommendation[]; next_cursor: string | null } = await api.request('GET', `/v1/recommendations?${query}`);
        rows.push(...page.items);
        cursor = options.all ? page.next_cursor : null;
      } while (cursor);
      printTable(rows, ['id', 'status', 'priority_level', 'recommendation_type', 'estimated_savings', 'currency', 'title']);
    });

  recommendations
    .command('show')
    .description('one recommendation: its evidence and history')
    .argument('<id>')
    .action(async (id: string) => {
      const api = await apiClient('recommendation');
      const recommendation = await api.request<Recommendation & { evidence: unknown; history: Record<string, unknown>[] }>('GET', `/v1/recommendations/${id}`);
      printOne(recommendation);
      console.log(`${'evidence:'.padEnd(21)}${JSON.stringify(recommendation.evidence)}`);
      console.log('');
      printTable(recommendation.history, ['created_at', 'change', 'from_status', 'to_status', 'etag', 'user_id']);
    });

  recommendations
    .command('summary')
    .description('open monthly savings per type, account and provider')
    .action(async () => {
      const api = await apiClient('recommendation');
      const summary = await api.request<Record<'by_type' | 'by_account' | 'by_provider', Record<string, unknown>[]>>('GET', '/v1/recommendations/summary');
      const sections = [['by_type', 'recommendation_type'], ['by_account', 'cloud_account_id'], ['by_provider', 'provider']] as const;
      for (const [section, key] of sections) {
        printTable(summary[section], [key, 'count', 'estimated_savings', 'currency']);
        console.log('');
      }
    });

  recommendations
    .command('apply')
    .description("claim the recommendation and request its action (the action executor carries it out)")
    .argument('<id>')
    .option('--etag <etag>', 'the etag you reviewed; refused if the recommendation changed since')
    .option('--param <key=value>', "override a parameter of the action, e.g. --param size=m5.large (repeatable)", parameter)
    .action(async (id: string, options: { etag?: string; param?: Record<string, unknown> }) => {
      const api = await apiClient('recommendation');
      const etag = await etagOf(api, id, options.etag);
      const applied = await api.request<{ recommendation: Recommendation; action_id: string }>('POST', `/v1/recommendations/${id}/apply`, {
        json: { etag, ...(options.param ? { parameters: options.param } : {}) },
      });
      printOne(applied.recommendation);
      console.log(`${'action_id:'.padEnd(21)}${applied.action_id}`);
    });

  recommendations
    .command('dismiss')
    .description('dismiss, with a reason')
    .argument('<id>')
    .addOption(new Option('--reason <code>', 'why').choices(RECOMMENDATION_DISMISS_REASONS).makeOptionMandatory())
    .option('--note <text>')
    .option('--etag <etag>', 'the etag you reviewed')
    .action(async (id: string, options: { reason: string; note?: string; etag?: string }) => {
      const api = await apiClient('recommendation');
      const etag = await etagOf(api, id, options.etag);
      printOne(await api.request('POST', `/v1/recommendations/${id}/dismiss`, { json: { etag, reason_code: options.reason, ...(options.note ? { note: options.note } : {}) } }));
    });

  recommendations
    .command('snooze')
    .description('hide until a date, when it reopens')
    .argument('<id>')
    .requiredOption('--until <date>', 'ISO 8601 date or time, e.g. 2027-01-15')
    .option('--note <text>')
    .option('--etag <etag>', 'the etag you reviewed')
    .action(async (id: string, options: { until: string; note?: string; etag?: string }) => {
      if (Number.isNaN(Date.parse(options.until))) throw new InvalidArgumentError(`--until: "${options.until}" is not a date; give e.g. 2027-01-15`);
      const api = await apiClient('recommendation');
      const etag = await etagOf(api, id, options.etag);
      printOne(await api.request('POST', `/v1/recommendations/${id}/snooze`, { json: { etag, until: options.until, ...(options.note ? { note: options.note } : {}) } }));
    });

  recommendations
    .command('reopen')
    .description('reopen a dismissed, snoozed or failed recommendation')
    .argument('<id>')
    .option('--etag <etag>', 'the etag you reviewed')
    .action(async (id: string, options: { etag?: string }) => {
      const api = await apiClient('recommendation');
      const etag = await etagOf(api, id, options.etag);
      printOne(await api.request('POST', `/v1/recommendations/${id}/reopen`, { json: { etag } }));
    });

  withFilters(recommendations.command('export').description('the filtered list as CSV'))
    .option('--output <file>', 'write to this file instead of stdout')
    .action(async (options: FilterOptions & { output?: string }) => {
      const api = await apiClient('recommendation');
      const csv = await api.text(`/v1/recommendations/export?${filterQuery(options)}`);
      if (options.output) await writeFile(options.output, csv);
      else process.stdout.write(csv);
    });

  recommendations
    .command('realized')
    .description('what applied recommendations really saved, per account and month (measured from the cost imports after each action)')
    .option('--account <id>', 'only this cloud account')
    .option('--from <month>', 'first month, YYYY-MM')
    .option('--to <month>', 'last month, YYYY-MM')
    .option('--json', 'print the rows as JSON')
    .action(async (options: { account?: string; from?: string; to?: string; json?: boolean }) => {
      const api = await apiClient('recommendation');
      const query = new URLSearchParams();
      for (const [key, value] of [['cloud_account_id', options.account], ['from', options.from], ['to', options.to]] as const) if (value !== undefined) query.set(key, value);
      const { items } = await api.request<{ items: Record<string, unknown>[] }>('GET', `/v1/realized-savings?${query}`);
      if (options.json) console.log(JSON.stringify(items, null, 2));
      else printTable(items, ['month', 'cloud_account_id', 'realized_savings', 'currency', 'recommendations', 'measured_days']);
    });

  recommendations
    .command('evaluate')
    .description("re-evaluate every rule over the organisation's accounts now (queued; the daily pass does the same)")
    .action(async () => {
      const api = await apiClient('recommendation');
      const { job_id } = await api.request<{ job_id: string }>('POST', '/v1/recommendations/evaluations');
      console.log(`queued: job ${job_id}`);
    });
}
