import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { AppError } from '@stratus/http';
import { apiClient, printTable } from '../api-client.ts';

interface State {
  id: string;
  name: string;
  backend: string;
  cloud_account_id: string | null;
  serial: string | null;
  resources: number;
  last_updated: string;
  last_error: string | null;
}

type Page<T> = { items: T[]; next_cursor: string | null };

function minutes(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 5) throw new InvalidArgumentError('give whole minutes, at least 5');
  return number;
}

/** Every page of a list, for the tables (states and modules are tens, not thousands). */
async function all<T>(path: string): Promise<T[]> {
  const api = await apiClient();
  const rows: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: Page<T> = await api.request('GET', `${path}${separator}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    rows.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

async function upload(id: string, file: string): Promise<State> {
  const api = await apiClient();
  return api.request<State>('PUT', `/v1/terraform/states/${id}/state`, { body: await readFile(file, 'utf8'), contentType: 'application/octet-stream' });
}

interface AddOptions {
  name: string;
  account?: string;
  file?: string;
  backendUrl?: string;
  backendUsername?: string;
  backendPasswordFile?: string;
  s3Bucket?: string;
  s3Key?: string;
  s3Region?: string;
  s3Endpoint?: string;
  s3ForcePathStyle?: boolean;
  s3AccessKey?: string;
  s3SecretKeyFile?: string;
  azureStorageAccount?: string;
  azureContainer?: string;
  azureKey?: string;
  azureEndpoint?: string;
  azureAccessKeyFile?: string;
  azureSasTokenFile?: string;
  pullInterval?: number;
  moduleVersion?: string[];
}

/** Secrets come from files, never the command line (where ps and shell history would show them). */
const secretFrom = async (file: string | undefined) => (file ? (await readFile(file, 'utf8')).trim() : undefined);

async function backendOf(options: AddOptions) {
  if (options.backendUrl) return { type: 'http', url: options.backendUrl, username: options.backendUsername, password: await secretFrom(options.backendPasswordFile) };
  if (options.azureStorageAccount !== undefined) {
    return {
      type: 'azurerm',
      storage_account_name: options.azureStorageAccount,
      container_name: options.azureContainer,
      key: options.azureKey,
      endpoint: options.azureEndpoint,
      access_key: await secretFrom(options.azureAccessKeyFile),
      sas_token: await secretFrom(options.azureSasTokenFile),
    };
  }
  if (options.s3Bucket === undefined) return undefined;
  return {
    type: 's3',
    bucket: options.s3Bucket,
    key: options.s3Key,
    region: options.s3Region,
    endpoint: options.s3Endpoint,
    force_path_style: options.s3ForcePathStyle,
    access_key: options.s3AccessKey,
    secret_key: await secretFrom(options.s3SecretKeyFile),
  };
}

const printStates = (states: State[]) => printTable(states as unknown as Record<string, unknown>[], ['id', 'name', 'backend', 'cloud_account_id', 'serial', 'resources', 'last_updated', 'last_error']);

export function terraformCommand(program: Command): void {
  const terraform = program.command('terraform').description('Terraform states, IaC coverage and modules (through the ingestion API)');
  const states = terraform.command('states').description('registered Terraform states');

  states
    .command('list')
    .description('the states and what was parsed of them')
    .action(async () => printStates(await all<State>('/v1/terraform/states')));

  states
    .command('add')
    .description('register a state: upload a file (--file), or pull an HTTP (--backend-url), s3 (--s3-bucket) or azurerm (--azure-storage-account) backend on a schedule')
    .requiredOption('--name <name>', 'a name to recognise it by')
    .option('--account <id>', "the cloud account its resources live in (its missing resources count there)")
    .option('--file <path>', 'the state file (terraform.tfstate, `terraform state pull`) or `terraform show -json` of it')
    .option('--backend-url <url>', "an HTTP backend's address")
    .option('--backend-username <name>', 'the HTTP backend user')
    .option('--backend-password-file <path>', 'a file holding the HTTP backend password (never on the command line)')
    .option('--s3-bucket <bucket>', "an s3 backend's bucket, with --s3-key and --s3-region (any S3-compatible store: AWS S3, GCS, MinIO)")
    .option('--s3-key <key>', "the state object's key, as in the backend block")
    .option('--s3-region <region>', 'the bucket\'s region (auto for GCS)')
    .option('--s3-endpoint <url>', 'an S3-compatible endpoint, e.g. https://storage.googleapis.com (AWS S3 without it)')
    .option('--s3-force-path-style', 'the bucket in the path, not the host name (MinIO, Ceph)')
    .option('--s3-access-key <id>', 'an access key id that may read the object (an HMAC key for GCS), with --s3-secret-key-file')
    .option('--s3-secret-key-file <path>', 'a file holding the secret access key (never on the command line)')
    .option('--azure-storage-account <name>', "an azurerm backend's storage account, with --azure-container and --azure-key")
    .option('--azure-container <name>', "the state blob's container, as in the backend block")
    .option('--azure-key <name>', "the state blob's name, as in the backend block")
    .option('--azure-endpoint <url>', 'the blob service address for an emulator or a sovereign cloud (https://<account>.blob.core.windows.net without it)')
    .option('--azure-access-key-file <path>', "a file holding the storage account's access key (never on the command line)")
    .option('--azure-sas-token-file <path>', 'a file holding a SAS token that may read the blob, instead of the access key')
    .option('--pull-interval <minutes>', 'minutes between pulls of the backend (default 60)', minutes)
    .option('--module-version <call=version...>', 'the registered version a module call uses, e.g. --module-version network=1.4.0')
    .action(async (options: AddOptions) => {
      if ([options.file, options.backendUrl, options.s3Bucket, options.azureStorageAccount].filter((given) => given !== undefined).length !== 1) {
        throw new AppError('invalid', 'give one of --file, --backend-url, --s3-bucket and --azure-storage-account');
      }
      const api = await apiClient();
      const moduleVersions = options.moduleVersion?.map((pair) => {
        const at = pair.indexOf('=');
        if (at <= 0) throw new AppError('invalid', `--module-version "${pair}" must be call=version`);
        return [pair.slice(0, at), pair.slice(at + 1)];
      });
      let state = await api.request<State>('POST', '/v1/terraform/states', {
        json: {
          name: options.name,
          cloud_account_id: options.account,
          backend: await backendOf(options),
          pull_interval_minutes: options.pullInterval,
          module_versions: moduleVersions ? Object.fromEntries(moduleVersions) : undefined,
        },
      });
      if (options.file) state = await upload(state.id, options.file);
      console.log(`registered state ${state.name} as ${state.id}: ${options.file ? `${state.resources} resources parsed` : 'pulled from its backend shortly'}`);
    });

  states
    .command('upload')
    .description('upload a new version of a state')
    .argument('<id>', 'the state id')
    .requiredOption('--file <path>', 'the state file or `terraform show -json` of it')
    .action(async (id: string, options: { file: string }) => {
      const state = await upload(id, options.file);
      console.log(`state ${state.name}: serial ${state.serial ?? '-'}, ${state.resources} resources parsed`);
    });

  states
    .command('resources')
    .description("a state's managed resource instances")
    .argument('<id>', 'the state id')
    .action(async (id: string) => {
      const rows = await all<Record<string, unknown>>(`/v1/terraform/states/${id}/resources`);
      printTable(rows.sort((a, b) => String(a.address).localeCompare(String(b.address))), ['address', 'provider', 'type', 'index_key', 'size', 'terraform_module_id']);
    });

  states
    .command('pull')
    .description('pull a state from its HTTP, s3 or azurerm backend now')
    .argument('<id>', 'the state id')
    .action(async (id: string) => {
      const api = await apiClient();
      const { job_id } = await api.request<{ job_id: string }>('POST', `/v1/terraform/states/${id}/pull`);
      console.log(`pull queued as job ${job_id}`);
    });

  states
    .command('remove')
    .description('forget a state and what was parsed of it')
    .argument('<id>', 'the state id')
    .action(async (id: string) => {
      const api = await apiClient();
      await api.request('DELETE', `/v1/terraform/states/${id}`);
      console.log(`state ${id} removed`);
    });

  terraform
    .command('coverage')
    .description('IaC coverage per cloud account: managed, unmanaged and missing resources')
    .option('--account <id>', 'one account')
    .action(async (options: { account?: string }) => {
      const api = await apiClient();
      const coverage = await api.request<{ accounts: Record<string, unknown>[]; missing_without_account: number }>(
        'GET',
        `/v1/terraform/coverage${options.account ? `?cloud_account_id=${options.account}` : ''}`,
      );
      printTable(
        coverage.accounts.map((row) => ({ ...row, coverage: `${row.coverage_percent} %` })),
        ['cloud_account_id', 'discovered', 'managed', 'unmanaged', 'missing', 'coverage'],
      );
      if (coverage.missing_without_account > 0) console.log(`missing from states that name no account: ${coverage.missing_without_account}`);
    });

  terraform
    .command('resources')
    .description("an account's managed, unmanaged or missing resources")
    .addOption(new Option('--status <status>', 'which of the three').choices(['managed', 'unmanaged', 'missing']).makeOptionMandatory())
    .option('--account <id>', 'the cloud account (for missing, without it: states that name no account)')
    .action(async (options: { status: string; account?: string }) => {
      const query = new URLSearchParams({ status: options.status });
      if (options.account) query.set('cloud_account_id', options.account);
      const rows = await all<{ provider_resource_id: string | null; type: string; name: string | null; managed_by: { address: string } | null }>(`/v1/terraform/resources?${query}`);
      printTable(
        rows.map((row) => ({ ...row, address: row.managed_by?.address ?? null })),
        ['provider_resource_id', 'type', 'name', 'address'],
      );
    });

  const modules = terraform.command('modules').description('the registry of Terraform modules');

  modules
    .command('list')
    .description('registered module versions')
    .action(async () => printTable(await all<Record<string, unknown>>('/v1/terraform/modules'), ['id', 'name', 'version', 'source_url', 'description']));

  modules
    .command('add')
    .description('register a module version')
    .requiredOption('--name <name>', 'the module call name states use (module.<name>)')
    .option('--version <version>', 'its version')
    .option('--source <url>', 'its registry address or git URL')
    .option('--description <text>')
    .option('--variables-file <path>', 'a JSON object of its variables: name -> type, description, default')
    .action(async (options: { name: string; version?: string; source?: string; description?: string; variablesFile?: string }) => {
      const api = await apiClient();
      const variables = options.variablesFile ? JSON.parse(await readFile(options.variablesFile, 'utf8')) : undefined;
      const module = await api.request<{ id: string; name: string; version: string | null }>('POST', '/v1/terraform/modules', {
        json: { name: options.name, version: options.version, source_url: options.source, description: options.description, variables },
      });
      console.log(`registered module ${module.name} ${module.version ?? '(unversioned)'} as ${module.id}`);
    });

  modules
    .command('remove')
    .description('remove a module version (the instances it made stay, unlinked)')
    .argument('<id>', 'the module id')
    .action(async (id: string) => {
      const api = await apiClient();
      await api.request('DELETE', `/v1/terraform/modules/${id}`);
      console.log(`module ${id} removed`);
    });

  modules
    .command('usage')
    .description('which module versions are in use where')
    .action(async () => {
      const api = await apiClient();
      const { items } = await api.request<{ items: Record<string, unknown>[] }>('GET', '/v1/terraform/modules/usage');
      printTable(items, ['name', 'version', 'state_name', 'module_path', 'resources']);
    });
}
