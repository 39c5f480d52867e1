import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CLOUD_PROVIDERS } from '@stratus/db';
import { apiClient, printTable } from '../api-client.ts';

interface Account {
  id: string;
  provider: string;
  account_id: string;
  name: string;
  status: string;
  last_sync: string | null;
  last_sync_error: string | null;
  metadata: { last_sync_stats?: Record<string, number> };
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('give a whole number, e.g. 250');
  return number;
}

export function accountsCommand(program: Command): void {
  const accounts = program.command('accounts').description('link, list and sync cloud accounts (through the ingestion API)');

  accounts
    .command('link')
    .description('link an AWS, Azure or GCP account; simulated (sim) unless --adapter live')
    .addOption(new Option('--provider <provider>', 'the cloud').choices(CLOUD_PROVIDERS).makeOptionMandatory())
    .requiredOption('--account-id <id>', 'AWS account id, Azure subscription id or GCP project id')
    .requiredOption('--name <name>', 'a name to recognise it by')
    .addOption(new Option('--adapter <adapter>', 'sim: the simulated cloud; live: the provider API').choices(['sim', 'live']))
    .option('--credentials-file <path>', 'JSON credentials for --adapter live (see the API docs for each provider)')
    .option('--resources <count>', 'sim only: fleet size', positiveInteger)
    .option('--seed <seed>', 'sim only: the seed of the simulated fleet')
    .option('--sync-interval <minutes>', 'minutes between scheduled syncs', positiveInteger)
    .action(async (options: { provider: string; accountId: string; name: string; adapter?: string; credentialsFile?: string; resources?: number; seed?: string; syncInterval?: number }) => {
      const api = await apiClient();
      const credentials = options.credentialsFile ? JSON.parse(await readFile(options.credentialsFile, 'utf8')) : undefined;
      const sim = options.resources !== undefined || options.seed !== undefined ? { resources: options.resources, seed: options.seed } : undefined;
      const account = await api.request<Account>('POST', '/v1/cloud-accounts', {
        json: {
          provider: options.provider,
          account_id: options.accountId,
          name: options.name,
          adapter: options.adapter,
          credentials,
          settings: { sync_interval_minutes: options.syncInterval, sim },
        },
      });
      console.log(`linked ${account.provider} ${account.account_id} (${account.name}) as ${account.id}`);
      console.log(`sync it now with: stratus accounts sync ${account.id} --wait`);
    });

  accounts
    .command('list')
    .description('the linked accounts and their last sync')
    .action(async () => {
      const api = await apiClient();
      const { items } = await api.request<{ items: Account[] }>('GET', '/v1/cloud-accounts?limit=500');
      printTable(
        items.map((account) => ({ ...account, resources: account.metadata.last_sync_stats?.seen })),
        ['id', 'provider', 'account_id', 'name', 'status', 'last_sync', 'resources', 'last_sync_error'],
      );
    });

  accounts
    .command('sync')
    .description("discover an account's resources now")
    .argument('<id>', 'the cloud account id (stratus accounts list)')
    .option('--wait', 'wait for the sync to finish, showing progress')
    .action(async (id: string, options: { wait?: boolean }) => {
      const api = await apiClient();
      const before = await api.request<Account>('GET', `/v1/cloud-accounts/${id}`);
      const { job_id } = await api.request<{ job_id: string }>('POST', `/v1/cloud-accounts/${id}/sync`);
      console.log(`sync queued (job ${job_id})`);
      if (!options.wait) return;
      const started = Date.now();
      for (;;) {
        await sleep(500);
        const account = await api.request<Account>('GET', `/v1/cloud-accounts/${id}`);
        const finished = account.last_sync !== before.last_sync || (account.last_sync_error !== null && account.last_sync_error !== before.last_sync_error);
        if (finished) {
          if (process.stderr.isTTY) process.stderr.write('\n');
          if (account.last_sync_error) throw new Error(`sync failed: ${account.last_sync_error}`);
          const stats = account.metadata.last_sync_stats ?? {};
          console.log(`synced in ${stats.duration_ms} ms: ${stats.seen} seen, ${stats.created} new, ${stats.updated} changed, ${stats.removed} removed`);
          return;
        }
        if (process.stderr.isTTY) process.stderr.write(`\rsyncing... ${Math.round((Date.now() - started) / 1000)} s`);
      }
    });
}
