import type { Command } from 'commander';
import { apiClient, printTable } from '../api-client.ts';

interface Group {
  id: string;
  cloud_account_id: string;
  name: string;
  description: string | null;
  match: string | null;
  members: number;
}

const describeGroup = (group: Group) => `${group.name} (${group.id}): ${group.members} resources, ${group.match === null ? 'set by hand' : `match ${group.match}`}`;

export function groupsCommand(program: Command): void {
  const groups = program
    .command('groups')
    .description('resource groups of a cloud account: members set by hand or by a match expression kept in step with each sync (through the ingestion API)');

  groups
    .command('list')
    .description('resource groups and their sizes')
    .option('--account <id>', 'only this cloud account')
    .action(async (options: { account?: string }) => {
      const api = await apiClient();
      const { data } = await api.request<{ data: Group[] }>('GET', `/v1/resource-groups${options.account ? `?cloud_account_id=${encodeURIComponent(options.account)}` : ''}`);
      printTable(
        data.map((group) => ({ ...group, match: group.match ?? '(by hand)' })),
        ['id', 'cloud_account_id', 'name', 'members', 'match'],
      );
    });

  groups
    .command('create')
    .description('create a group of an account; with --match its members follow the expression')
    .requiredOption('--account <id>', 'the cloud account')
    .requiredOption('--name <name>', 'unique in the account')
    .option('--description <text>')
    .option('--match <expression>', 'e.g. "team=web AND type=vm" (the automation rules\' match language)')
    .action(async (options: { account: string; name: string; description?: string; match?: string }) => {
      const api = await apiClient();
      const group = await api.request<Group>('POST', '/v1/resource-groups', {
        json: { cloud_account_id: options.account, name: options.name, description: options.description, match: options.match },
      });
      console.log(`created ${describeGroup(group)}`);
    });

  groups
    .command('members')
    .description("a group's resources")
    .argument('<group-id>')
    .action(async (id: string) => {
      const api = await apiClient();
      const { data } = await api.request<{ data: Record<string, unknown>[] }>('GET', `/v1/resource-groups/${encodeURIComponent(id)}/members`);
      printTable(data, ['id', 'provider_resource_id', 'name', 'type', 'region', 'state']);
    });

  for (const [verb, method, done] of [['add', 'PUT', 'added to'], ['remove', 'DELETE', 'removed from']] as const) {
    groups
      .command(verb)
      .description(`${verb} a resource ${verb === 'add' ? 'to' : 'from'} a group set by hand`)
      .argument('<group-id>')
      .argument('<resource-id>')
      .action(async (id: string, resource: string) => {
        const api = await apiClient();
        await api.request(method, `/v1/resource-groups/${encodeURIComponent(id)}/members/${encodeURIComponent(resource)}`);
        console.log(`resource ${resource} ${done} group ${id}`);
      });
  }

  groups
    .command('delete')
    .description('delete a group (its resources stay)')
    .argument('<group-id>')
    .action(async (id: string) => {
      const api = await apiClient();
      await api.request('DELETE', `/v1/resource-groups/${encodeURIComponent(id)}`);
      console.log(`group ${id} deleted`);
    });
}
