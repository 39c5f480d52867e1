import { TERRAFORM_TYPES } from '@stratus/cloud';
import type { TerraformResourcesTable } from '@stratus/db';

/** One managed resource instance of a state: all that Stratus keeps of it (a terraform_resources row's own fields). */
export type ParsedResource = Pick<TerraformResourcesTable, 'address' | 'module_path' | 'type' | 'name' | 'provider' | 'index_key' | 'provider_ids' | 'size_attribute' | 'size'> & {
  tags: Record<string, string> | null;
};

export interface ParsedState {
  /** state: the state file itself (format version 4); show: `terraform show -json` of it. */
  format: 'state' | 'show';
  terraform_version: string | null;
  serial: number | null;
  lineage: string | null;
  resources: ParsedResource[];
}

export class StateParseError extends Error {
  override name = 'StateParseError';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** Reads either form of a state; data sources are left out (they describe what Terraform reads, not what it manages). */
export function parseState(input: unknown): ParsedState {
  if (!isObject(input)) throw new StateParseError('a Terraform state must be a JSON object');
  if ('format_version' in input) return parseShowOutput(input);
  if (input.version !== 4) throw new StateParseError(`state format version ${JSON.stringify(input.version ?? null)} is not supported (only 4, Terraform 0.12 and later)`);
  if (!Array.isArray(input.resources)) throw new StateParseError('the state has no resources array');
  const resources: ParsedResource[] = [];
  input.resources.forEach((resource, position) => {
    if (!isObject(resource)) throw new StateParseError(`resources[${position}] is not an object`);
    if (resource.mode !== 'managed') return;
    const type = text(resource.type);
    const name = text(resource.name);
    if (!type || !name || !Array.isArray(resource.instances)) throw new StateParseError(`resources[${position}] lacks a type, a name or instances`);
    const modulePath = text(resource.module) ?? '';
    const provider = providerName(resource.provider);
    resource.instances.forEach((instance, index) => {
      if (!isObject(instance) || !isObject(instance.attributes)) throw new StateParseError(`resources[${position}].instances[${index}] has no attributes`);
      // A deposed instance is an old object create_before_destroy is replacing: not what the code describes.
      if (instance.deposed !== undefined) return;
      resources.push(instanceOf({ modulePath, type, name, provider, indexKey: instance.index_key, values: instance.attributes }));
    });
  });
  return {
    format: 'state',
    terraform_version: text(input.terraform_version),
    serial: typeof input.serial === 'number' ? input.serial : null,
    lineage: text(input.lineage),
    resources,
  };
}

function parseShowOutput(input: Json): ParsedState {
  const root = isObject(input.values) ? input.values.root_module : undefined;
  const resources: ParsedResource[] = [];
  // A state with no resources has no values at all.
  if (root !== undefined) collectModule(root, '', resources);
  return { format: 'show', terraform_version: text(input.terraform_version), serial: null, lineage: null, resources };
}

function collectModule(module: unknown, modulePath: string, into: ParsedResource[]): void {
  if (!isObject(module)) throw new StateParseError(`module ${modulePath || '(root)'} is not an object`);
  for (const resource of Array.isArray(module.resources) ? module.resources : []) {
    if (!isObject(resource) || resource.mode !== 'managed') continue;
    const type = text(resource.type);
    const name = text(resource.name);
    if (!type || !name || !isObject(resource.values)) throw new StateParseError(`resource ${String(resource.address)} lacks a type, a name or values`);
    if (resource.deposed_key !== undefined) continue;
    into.push(instanceOf({ modulePath, type, name, provider: providerName(resource.provider_name), indexKey: resource.index, values: resource.values }));
  }
  for (const child of Array.isArray(module.child_modules) ? module.child_modules : []) {
    if (!isObject(child) || !text(child.address)) throw new StateParseError(`a child module of ${modulePath || '(root)'} has no address`);
    collectModule(child, child.address as string, into);
  }
}

/** `provider["registry.terraform.io/hashicorp/aws"].west` and `registry.terraform.io/hashicorp/aws` are both aws. */
function providerName(value: unknown): string {
  const source = text(value) ?? '';
  const quoted = /"([^"]+)"/.exec(source)?.[1] ?? source;
  return quoted.split('/').at(-1) ?? quoted;
}

/** `[0]` for a count index, `["eu-west-1"]` for a for_each key, as Terraform writes addresses. */
function indexKeyOf(value: unknown): string | null {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return null;
}

function instanceOf(input: { modulePath: string; type: string; name: string; provider: string; indexKey: unknown; values: Json }): ParsedResource {
  const { modulePath, type, name, provider, values } = input;
  const index_key = indexKeyOf(input.indexKey);
  const info = TERRAFORM_TYPES[type];
  const size = info?.size_attribute ? text(values[info.size_attribute]) : null;
  return {
    address: `${modulePath ? `${modulePath}.` : ''}${type}.${name}${index_key === null ? '' : `[${index_key}]`}`,
    module_path: modulePath,
    type,
    name,
    provider,
    index_key,
    provider_ids: providerIdsOf(values),
    size_attribute: info?.size_attribute ?? null,
    // GCP states may hold the machine type as a URL; discovery reports its last segment.
    size: size === null ? null : (size.split('/').at(-1) ?? size),
    tags: tagsOf(info?.tags_attribute === 'labels' ? values.labels : (values.tags_all ?? values.tags)),
  };
}

const GOOGLE_API = /^https:\/\/www\.googleapis\.com\/compute\/(?:v1|beta)\/(.+)$/;

/**
 * Every form of the resource's id that discovery may have stored, as driftctl matches: the id,
 * the ARN, the self link, and for GCP the asset name (//compute.googleapis.com/projects/...)
 * that both a self link and a relative id (projects/p/zones/z/instances/n) become.
 */
function providerIdsOf(values: Json): string[] {
  const ids = new Set<string>();
  for (const key of ['id', 'arn', 'self_link']) {
    const value = text(values[key]);
    if (!value) continue;
    ids.add(value);
    const google = GOOGLE_API.exec(value)?.[1] ?? (value.startsWith('projects/') ? value : null);
    if (google) ids.add(`//compute.googleapis.com/${google}`);
  }
  return [...ids];
}

function tagsOf(value: unknown): Record<string, string> | null {
  if (!isObject(value)) return null;
  return Object.fromEntries(Object.entries(value).filter(([, tag]) => typeof tag === 'string')) as Record<string, string>;
}
