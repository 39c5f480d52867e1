import { InvalidArgumentError, type Command } from 'commander';
import { apiClient, printTable } from '../api-client.ts';

function limit(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 500) throw new InvalidArgumentError('give a page size from 1 to 500');
  return number;
}

export function resourcesCommand(program: Command): void {
  const resources = program.command('resources').description('the discovered inventory');
  resources
    .command('list')
    .description('list resources, newest first unless --sort says otherwise')
    .option('--provider <provider>', 'AWS, AZURE or GCP')
    .option('--type <type>', 'vm, database, disk, snapshot, ip_address, load_balancer, bucket, k8s_node_pool')
    .option('--region <region>')
    .option('--account <id>', 'only this cloud account')
    .option('--tag <key:value...>', 'tags that must all match, e.g. --tag env:prod')
    .option('--sort <key>', 'name, type, region, state, cost_monthly or created_at; descending with a dash: --sort=-cost_monthly (default -created_at)')
    .option('--limit <n>', 'page size (1-500)', limit, 50)
    .option('--all', 'follow every page instead of the first')
    .action(async (options: { provider?: string; type?: string; region?: string; account?: string; tag?: string[]; sort?: string; limit: number; all?: boolean }) => {
      const api = await apiClient();
      const query = new URLSearchParams({ limit: String(options.limit) });
      for (const [key, value] of [['provider', options.provider], ['type', options.type], ['region', options.region], ['cloud_account_id', options.account], ['sort', options.sort]] as const) {
        if (value) query.set(key, value);
      }
      for (const tag of options.tag ?? []) query.append('tag', tag);
      const rows: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      do {
        if (cursor) query.set('cursor', cursor);
        const page: { items: Record<string, unknown>[]; next_cursor: string | null } = await api.request('GET', `/v1/resources?${query}`);
        rows.push(...page.items);
        cursor = options.all ? page.next_cursor : null;
      } while (cursor);
      printTable(
        rows.map((row) => ({ ...row, tags: Object.entries(row.tags as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',') })),
        ['id', 'provider', 'type', 'name', 'region', 'state', 'tags'],
      );
    });
}
