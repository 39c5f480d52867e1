import { z } from 'zod';
import { rowSchema, TERRAFORM_BACKENDS } from '@stratus/db';
import { jsonValue, pageQuery, text } from '@stratus/http';

const name = text({ max: 200 }).trim().min(1);
const moduleName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a module call name: letters, digits, _ and -');
const version = text({ max: 64 }).trim().min(1);

export const idParams = z.object({ id: z.uuid() });

const httpBackend = z
  .object({
    type: z.literal('http'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2_000).describe("the backend's address, as in its backend block"),
    username: text({ max: 256 }).optional(),
    password: text({ max: 1_000 }).optional(),
  })
  .describe('sealed at rest and never returned');

/** Terraform's s3 backend settings, by their names in the backend block. */
const s3Backend = z
  .object({
    type: z.literal('s3'),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name: 3 to 63 lowercase letters, digits, . and -'),
    key: text({ max: 1_024, min: 1 }).describe("the state object's key, as in the backend block (workspaces other than default: env:/<workspace>/<key>)"),
    region: z.string().regex(/^[a-z0-9-]{1,32}$/, 'must be a region name such as eu-west-1 (auto for GCS)'),
    endpoint: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2_000)
      .optional()
      .describe('an S3-compatible endpoint (https://storage.googleapis.com for GCS, a MinIO or Ceph address); AWS S3 in the region without it'),
    force_path_style: z.boolean().optional().describe('bucket in the path, not the host name (MinIO, Ceph, most S3-compatible servers)'),
    // Required: the service's own credentials (an instance role) must not read a bucket for whoever asks.
    access_key: text({ max: 256, min: 1 }).describe('an access key id allowed to read the object (an HMAC key for GCS)'),
    secret_key: text({ max: 1_000, min: 1 }),
  })
  .describe('sealed at rest and never returned');

/** Terraform's azurerm backend settings, by their names in the backend block: a blob, read with an access key or a SAS token. */
const azurermBackend = z
  .object({
    type: z.literal('azurerm'),
    storage_account_name: z.string().regex(/^[a-z0-9]{3,24}$/, 'must be a storage account name: 3 to 24 lowercase letters and digits'),
    container_name: z
      .string()
      .min(3, 'must be a container name: 3 to 63 characters')
      .max(63, 'must be a container name: 3 to 63 characters')
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a container name: lowercase letters, digits and single -'),
    key: text({ max: 1_024, min: 1 }).describe("the state blob's name, as in the backend block (workspaces other than default: <key>env:<workspace>)"),
    endpoint: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2_000)
      .optional()
      .describe('the blob service address for an emulator or a sovereign cloud (Azurite: http://127.0.0.1:10000/devstoreaccount1); https://<account>.blob.core.windows.net without it'),
    // One of them is required: the service's own identity must not read a storage account for whoever asks.
    access_key: text({ max: 256, min: 1 }).optional().describe("the storage account's access key"),
    sas_token: text({ max: 2_000, min: 1 }).optional().describe('a shared access signature that may read the blob (its query string)'),
  })
  .refine((backend) => (backend.access_key === undefined) !== (backend.sas_token === undefined), {
    path: ['access_key'],
    message: 'give access_key or sas_token, not both',
  })
  .describe('sealed at rest and never returned');

export const createStateBody = z.object({
  name,
  cloud_account_id: z.uuid().optional().describe("the account the state's resources live in: its missing resources are counted there"),
  backend: z
    .discriminatedUnion('type', [httpBackend, s3Backend, azurermBackend])
    .optional()
    .describe('pull the state from an HTTP, s3 or azurerm backend on a schedule; without it, upload it (PUT .../state)'),
  pull_interval_minutes: z.int().min(5).max(7 * 24 * 60).optional().describe('minutes between pulls of a backend (default 60)'),
  module_versions: z
    .record(moduleName, version)
    .optional()
    .describe('the registered version each module call uses, by call name: { "network": "1.4.0" }'),
});

export const updateStateBody = createStateBody.pick({ name: true, cloud_account_id: true, pull_interval_minutes: true, module_versions: true }).partial().extend({
  cloud_account_id: z.uuid().nullable().optional(),
});

export const stateSchema = rowSchema('terraform_states', {
  id: z.uuid(),
  name: z.string(),
  cloud_account_id: z.uuid().nullable(),
  backend: z.enum(TERRAFORM_BACKENDS),
  pull_interval_minutes: z.number().int(),
  serial: z.string().nullable(),
  lineage: z.string().nullable(),
  terraform_version: z.string().nullable(),
  last_error: z.string().nullable(),
  module_versions: z.record(z.string(), z.string()),
  last_updated: z.date(),
  created_at: z.date(),
  resources: z.number().int().describe('managed resource instances parsed from it'),
});

export const terraformResourceSchema = rowSchema('terraform_resources', {
  id: z.uuid(),
  terraform_state_id: z.uuid(),
  terraform_module_id: z.uuid().nullable(),
  address: z.string(),
  module_path: z.string(),
  type: z.string(),
  name: z.string(),
  provider: z.string(),
  index_key: z.string().nullable(),
  provider_ids: z.array(z.string()),
  size_attribute: z.string().nullable(),
  size: z.string().nullable(),
  tags: z.record(z.string(), z.string()).nullable(),
  created_at: z.date(),
});

export const TERRAFORM_STATUSES = ['managed', 'unmanaged', 'missing'] as const;

export const matchQuery = pageQuery.extend({
  cloud_account_id: z.uuid().describe('the account; for missing, also "states that name no account" when absent').optional(),
  status: z.enum(TERRAFORM_STATUSES),
});

const managedBy = z
  .object({ terraform_resource_id: z.uuid(), terraform_state_id: z.uuid(), address: z.string(), terraform_module_id: z.uuid().nullable() })
  .nullable();

/** A discovered resource (managed or unmanaged) or a state instance (missing): one shape for the three lists. */
export const matchSchema = z.object({
  status: z.enum(TERRAFORM_STATUSES),
  resource_id: z.uuid().nullable().describe('the discovered resource; null when missing'),
  provider_resource_id: z.string().nullable(),
  type: z.string(),
  name: z.string().nullable(),
  managed_by: managedBy.describe('the state instance; null when unmanaged'),
});

export const coverageQuery = z.object({ cloud_account_id: z.uuid().optional() });

const accountCoverage = z.object({
  cloud_account_id: z.uuid(),
  discovered: z.number().int(),
  managed: z.number().int(),
  unmanaged: z.number().int(),
  missing: z.number().int().describe("instances of the account's states that discovery does not have"),
  coverage_percent: z.string().describe('managed / discovered, in percent with two decimals; "0.00" with nothing discovered'),
});

export const coverageSchema = z.object({
  accounts: z.array(accountCoverage),
  missing_without_account: z.number().int().describe('missing instances of states that name no account'),
});

export const moduleBody = z.object({
  name: moduleName.describe('the module call name states use (module.<name>)'),
  version: version.nullable().optional(),
  description: text({ max: 2_000 }).nullable().optional(),
  source_url: text({ max: 2_000 }).nullable().optional().describe('registry address or git URL'),
  variables: z.record(moduleName, jsonValue).nullable().optional().describe('the variables it takes: name -> description, type or default'),
});

export const moduleUpdateBody = moduleBody.partial();

export const moduleSchema = rowSchema('terraform_modules', {
  id: z.uuid(),
  name: z.string(),
  version: z.string().nullable(),
  description: z.string().nullable(),
  source_url: z.string().nullable(),
  variables: z.record(z.string(), z.unknown()).nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});

export const moduleListQuery = pageQuery.extend({ name: moduleName.optional() });

export const usageQuery = z.object({ terraform_module_id: z.uuid().optional() });

export const usageSchema = z.object({
  items: z.array(
    z.object({
      terraform_module_id: z.uuid(),
      name: z.string(),
      version: z.string().nullable(),
      terraform_state_id: z.uuid(),
      state_name: z.string(),
      cloud_account_id: z.uuid().nullable(),
      module_path: z.string(),
      resources: z.number().int(),
    }),
  ),
});
