import type { Command } from 'commander';
import { apiClient, printTable } from '../api-client.ts';

interface ScheduleOptions {
  name?: string;
  match?: string;
  spec?: string;
  holiday?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function bodyOf(options: ScheduleOptions): Record<string, unknown> {
  const { holiday, ...rest } = options;
  return { ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)), ...(holiday ? { holidays: holiday } : {}) };
}

function printSchedule(schedule: Record<string, unknown>): void {
  const next = schedule.next_change as { at: string; state: string } | null;
  console.log(`${schedule.id} ${schedule.name} (${schedule.status}): ${schedule.spec} for ${schedule.match}${next ? `; next: ${next.state} at ${next.at}` : ''}`);
}

export function schedulesCommand(program: Command): void {
  const schedules = program
    .command('schedules')
    .description('named off-hours schedules; a resource tag stratus:schedule=<spec> wins over them (the action executor API, STRATUS_ACTION_EXECUTOR_URL)');

  schedules
    .command('list')
    .description('named schedules, newest first')
    .action(async () => {
      const api = await apiClient('action-executor');
      const page = await api.request<{ items: Record<string, unknown>[] }>('GET', '/v1/schedules?limit=500');
      printTable(page.items, ['id', 'name', 'status', 'spec', 'match', 'holidays']);
    });

  schedules
    .command('show')
    .description('a schedule with its next scheduled change')
    .argument('<id>')
    .action(async (id: string) => {
      const api = await apiClient('action-executor');
      printSchedule(await api.request('GET', `/v1/schedules/${id}`));
    });

  schedules
    .command('create')
    .description('a schedule: e.g. --name office --match "env=dev AND type=vm" --spec "off=(M-F,19);on=(M-F,7);tz=Europe/Paris"')
    .requiredOption('--name <name>')
    .requiredOption('--match <expression>', 'the resources it applies to (match language)')
    .requiredOption('--spec <spec>', "Cloud Custodian's offhours syntax")
    .option('--holiday <date>', 'a local date without scheduled change (repeat for more)', collect)
    .action(async (options: ScheduleOptions) => {
      const api = await apiClient('action-executor');
      printSchedule(await api.request('POST', '/v1/schedules', { json: bodyOf(options) }));
    });

  schedules
    .command('update')
    .description('change a schedule; --holiday replaces the list')
    .argument('<id>')
    .option('--name <name>')
    .option('--match <expression>')
    .option('--spec <spec>')
    .option('--holiday <date>', 'a local date without scheduled change (repeat for more)', collect)
    .action(async (id: string, options: ScheduleOptions) => {
      const api = await apiClient('action-executor');
      printSchedule(await api.request('PATCH', `/v1/schedules/${id}`, { json: bodyOf(options) }));
    });

  for (const status of ['enabled', 'disabled'] as const) {
    schedules
      .command(status === 'enabled' ? 'enable' : 'disable')
      .description(status === 'enabled' ? 'apply the schedule again' : 'stop applying the schedule (resources stay as they are)')
      .argument('<id>')
      .action(async (id: string) => {
        const api = await apiClient('action-executor');
        printSchedule(await api.request('PATCH', `/v1/schedules/${id}`, { json: { status } }));
      });
  }

  schedules
    .command('delete')
    .argument('<id>')
    .action(async (id: string) => {
      const api = await apiClient('action-executor');
      await api.request('DELETE', `/v1/schedules/${id}`);
      console.log(`deleted schedule ${id}`);
    });

  schedules
    .command('converge')
    .description('evaluate the schedules now: start or stop what is not in its desired state')
    .action(async () => {
      const api = await apiClient('action-executor');
      const report = await api.request<{ evaluated: number; requested: Record<string, unknown>[]; skipped: Record<string, number>; invalid: Record<string, unknown>[] }>('POST', '/v1/schedules/converge');
      printTable(report.requested, ['resource_id', 'action_type', 'action_id', 'outcome']);
      for (const { resource_id, error } of report.invalid) console.log(`invalid schedule tag on ${resource_id}: ${error}`);
      console.log(`${report.evaluated} resource(s) evaluated, ${report.requested.length} action(s) requested; skipped: ${JSON.stringify(report.skipped)}`);
    });
}
