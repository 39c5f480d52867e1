import { InvalidArgumentError, Option, type Command } from 'commander';
import { ACTION_TYPES } from '@stratus/db';
import { AppError } from '@stratus/http';
import { apiClient, printTable } from '../api-client.ts';

interface RuleOptions {
  name?: string;
  match?: string;
  action?: string;
  parameters?: Record<string, unknown>;
  cron?: string;
  timezone?: string;
  maxResources?: number;
}

type Rule = Record<string, unknown> & { id: string; next_runs: string[] };

const RULE_COLUMNS = ['id', 'name', 'status', 'action', 'match', 'cron', 'timezone', 'max_resources'];
const RUN_COLUMNS = ['id', 'status', 'trigger', 'scheduled_for', 'started_at', 'matched', 'actions_requested', 'reason'];

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('must be a JSON object, e.g. {"size":"t3.small"}');
  return parsed as Record<string, unknown>;
}

function positiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return number;
}

function withRuleOptions(command: Command): Command {
  return command
    .option('--name <name>', 'what the rule is for')
    .option('--match <expression>', 'which resources, e.g. "env=dev AND type=vm AND NOT tag:keep"')
    .addOption(new Option('--action <action>', 'what to do to each').choices(ACTION_TYPES))
    .option('--parameters <json>', 'the action\'s parameters, e.g. \'{"size":"t3.small"}\' for scale', jsonObject)
    .option('--cron <pattern>', 'when, e.g. "0 19 * * 1-5" (minute hour day month weekday)')
    .option('--timezone <zone>', 'IANA zone of the cron, e.g. Europe/Paris')
    .option('--max-resources <n>', 'blast radius: a run matching more requests nothing', positiveInt);
}

function bodyOf(options: RuleOptions): Record<string, unknown> {
  const body = { name: options.name, match: options.match, action: options.action, parameters: options.parameters, cron: options.cron, timezone: options.timezone, max_resources: options.maxResources };
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

function printRule(rule: Rule): void {
  for (const field of [...RULE_COLUMNS, 'parameters', 'created_at', 'updated_at']) console.log(`${`${field}:`.padEnd(16)}${typeof rule[field] === 'string' ? rule[field] : JSON.stringify(rule[field])}`);
  console.log(`${'next runs:'.padEnd(16)}${rule.next_runs.join(', ') || '(disabled)'}`);
}

function printRuns(runs: (Record<string, unknown> & { details: Record<string, unknown> })[]): void {
  printTable(runs.map((run) => ({ ...run.details, ...run })), RUN_COLUMNS);
}

export function rulesCommand(program: Command): void {
  const rules = program.command('rules').description('automation rules: an action on the resources a match selects, on a cron (the action executor API, STRATUS_ACTION_EXECUTOR_URL)');

  rules
    .command('list')
    .description('rules, newest first')
    .action(async () => {
      const api = await apiClient('action-executor');
      const page = await api.request<{ items: Rule[] }>('GET', '/v1/automation-rules?limit=500');
      printTable(page.items.map((rule) => ({ ...rule, next_run: rule.next_runs[0] ?? '' })), [...RULE_COLUMNS, 'next_run']);
    });

  rules
    .command('show')
    .description('one rule and its next runs')
    .argument('<id>')
    .action(async (id: string) => printRule(await (await apiClient('action-executor')).request<Rule>('GET', `/v1/automation-rules/${id}`)));

  withRuleOptions(rules.command('create').description('create a rule (enabled unless --disabled); --name, --match, --action and --cron are required'))
    .option('--disabled', 'create it disabled')
    .action(async (options: RuleOptions & { disabled?: boolean }) => {
      const api = await apiClient('action-executor');
      const rule = await api.request<Rule>('POST', '/v1/automation-rules', { json: { ...bodyOf(options), ...(options.disabled ? { status: 'disabled' } : {}) } });
      printRule(rule);
    });

  withRuleOptions(rules.command('update').description('change the fields given').argument('<id>')).action(async (id: string, options: RuleOptions) => {
    const api = await apiClient('action-executor');
    printRule(await api.request<Rule>('PATCH', `/v1/automation-rules/${id}`, { json: bodyOf(options) }));
  });

  for (const [verb, status] of [
    ['enable', 'enabled'],
    ['disable', 'disabled'],
  ] as const) {
    rules
      .command(verb)
      .description(`${verb} a rule (its schedule follows)`)
      .argument('<id>')
      .action(async (id: string) => {
        const api = await apiClient('action-executor');
        const rule = await api.request<Rule>('PATCH', `/v1/automation-rules/${id}`, { json: { status } });
        console.log(`rule ${rule.id} ${status}${rule.next_runs[0] ? `; next run ${rule.next_runs[0]}` : ''}`);
      });
  }

  rules
    .command('delete')
    .description('delete a rule, its runs and its schedule')
    .argument('<id>')
    .action(async (id: string) => {
      await (await apiClient('action-executor')).request('DELETE', `/v1/automation-rules/${id}`);
      console.log(`rule ${id} deleted`);
    });

  rules
    .command('preview')
    .description('what a rule (or --match) selects now; nothing is acted on')
    .argument('[id]')
    .option('--match <expression>', 'preview an expression instead of a rule')
    .option('--limit <n>', 'resources to list', positiveInt, 50)
    .action(async (id: string | undefined, options: { match?: string; limit: number }) => {
      if ((id === undefined) === (options.match === undefined)) throw new AppError('invalid', 'give a rule id or --match (one of them)');
      const api = await apiClient('action-executor');
      const preview = await (id === undefined
        ? api.request<{ match: string; count: number; items: Record<string, unknown>[] }>('POST', '/v1/automation-rules/preview', { json: { match: options.match, limit: options.limit } })
        : api.request<{ match: string; count: number; items: Record<string, unknown>[] }>('GET', `/v1/automation-rules/${id}/preview?limit=${options.limit}`));
      printTable(preview.items, ['id', 'provider', 'type', 'name', 'region', 'state', 'cost_monthly']);
      console.log(`${preview.count} resource(s) match ${preview.match}`);
    });

  rules
    .command('run')
    .description('run a rule now: request its action on every match (policy and approvals apply)')
    .argument('<id>')
    .action(async (id: string) => {
      const run = await (await apiClient('action-executor')).request<Record<string, unknown> & { details: Record<string, unknown> }>('POST', `/v1/automation-rules/${id}/run`);
      printRuns([run]);
    });

  rules
    .command('runs')
    .description("a rule's runs, newest first")
    .argument('<id>')
    .action(async (id: string) => {
      const page = await (await apiClient('action-executor')).request<{ items: (Record<string, unknown> & { details: Record<string, unknown> })[] }>('GET', `/v1/automation-rules/${id}/runs?limit=100`);
      printRuns(page.items);
    });
}
