import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { withTenant, type Database } from '@stratus/db';
import type { Outbox, PublishManyItem } from '@stratus/events';
import { AppError, type AllowedNetworks } from '@stratus/http';
import { openSecret, sealSecret, type EncryptedSecret, type Keyring } from '@stratus/vault';
import { driftOf, driftSignature } from './drift.ts';
import { backendRule, readBackend, type BackendRead, type StateBackend } from './state.backends.ts';
import { parseState, StateParseError, type ParsedState } from './state.parser.ts';
import { driftCandidates, linkModules, recordDriftSignatures, replaceStateResources } from './terraform.repository.ts';

type Trx = Transaction<Database>;

export interface TerraformDeps {
  keyring: Keyring;
  outbox: Outbox;
}

export interface TerraformPullDeps extends TerraformDeps {
  /** The largest state read from a backend, in bytes. */
  maxBytes: number;
  /** Private networks a backend may be at, beside the public internet (see backendRule). */
  allowedNetworks: AllowedNetworks;
}

interface StateOwner {
  id: string;
  organization_id: string;
}

/**
 * The seal is bound to the state, its organisation and the column: a sealed file copied onto
 * another state, or into the other column, does not open.
 */
const aadOf = (state: StateOwner, column: 'state_file' | 'backend_config') => ({ table: 'terraform_states', ids: [state.organization_id, state.id, column] });

function parseOrRefuse(input: unknown): ParsedState {
  try {
    return parseState(input);
  } catch (error) {
    if (error instanceof StateParseError) throw new AppError('invalid', `state: ${error.message}`);
    throw error;
  }
}

/**
 * Compares the account's managed resources with their states and publishes resource.drifted for
 * each drift not reported yet (its signature is kept on the state instance, in this transaction),
 * so a resync or a redelivered job finds nothing new. Returns how many were reported.
 */
export async function detectDrift(trx: Trx, outbox: Outbox, organizationId: string, cloudAccountId: string): Promise<number> {
  const changes: { id: string; signature: string | null }[] = [];
  const events: PublishManyItem[] = [];
  for (const candidate of await driftCandidates(trx, cloudAccountId)) {
    const drifted = driftOf(candidate);
    const signature = driftSignature(candidate.resource_id, drifted);
    if (signature === candidate.drift_signature) continue;
    changes.push({ id: candidate.terraform_resource_id, signature });
    if (signature === null) continue;
    events.push({
      type: 'resource.drifted',
      tenant: organizationId,
      data: {
        resource_id: candidate.resource_id,
        cloud_account_id: candidate.cloud_account_id,
        provider: candidate.provider,
        provider_resource_id: candidate.provider_resource_id,
        terraform_state_id: candidate.terraform_state_id,
        address: candidate.address,
        drifted,
      },
    });
  }
  await recordDriftSignatures(trx, changes);
  await outbox.publishMany(trx, events);
  return events.length;
}

/** Stores a state's new content: sealed whole, parsed into its instances, linked to modules, and checked for drift. */
export async function storeStateFile(trx: Trx, deps: TerraformDeps, state: StateOwner, raw: unknown, parsed: ParsedState, backendEtag: string | null = null): Promise<void> {
  const sealed = sealSecret(deps.keyring, raw, aadOf(state, 'state_file'));
  const row = await trx
    .updateTable('terraform_states')
    .set({
      state_file: JSON.stringify(sealed),
      serial: parsed.serial === null ? null : String(parsed.serial),
      lineage: parsed.lineage,
      terraform_version: parsed.terraform_version,
      backend_etag: backendEtag,
      last_error: null,
      last_updated: new Date(),
    })
    .where('id', '=', state.id)
    .returning('cloud_account_id')
    .executeTakeFirstOrThrow();
  await replaceStateResources(trx, state, parsed.resources);
  await linkModulesAndDrift(trx, deps, state.organization_id, row.cloud_account_id);
}

/**
 * After the states or the modules changed: links instances to modules again and compares the
 * accounts' managed resources with their states (one account when the change was to a state of it).
 */
export async function linkModulesAndDrift(trx: Trx, deps: Pick<TerraformDeps, 'outbox'>, organizationId: string, cloudAccountId?: string | null): Promise<void> {
  await linkModules(trx);
  const accounts = cloudAccountId
    ? [cloudAccountId]
    : (await trx.selectFrom('cloud_accounts').select('id').where('status', '<>', 'unlinked').execute()).map((account) => account.id);
  for (const account of accounts) await detectDrift(trx, deps.outbox, organizationId, account);
}

export interface NewState {
  name: string;
  cloud_account_id?: string | undefined;
  backend?: StateBackend | undefined;
  pull_interval_minutes?: number | undefined;
  module_versions?: Record<string, string> | undefined;
}

export async function createState(trx: Trx, deps: TerraformDeps, organizationId: string, input: NewState): Promise<string> {
  if (input.cloud_account_id) await accountOf(trx, input.cloud_account_id);
  const state = { id: randomUUID(), organization_id: organizationId };
  const inserted = await trx
    .insertInto('terraform_states')
    .values({
      ...state,
      name: input.name,
      cloud_account_id: input.cloud_account_id ?? null,
      backend: input.backend?.type ?? 'upload',
      backend_config: input.backend ? JSON.stringify(sealSecret(deps.keyring, input.backend, aadOf(state, 'backend_config'))) : null,
      ...(input.pull_interval_minutes === undefined ? {} : { pull_interval_minutes: input.pull_interval_minutes }),
      module_versions: JSON.stringify(input.module_versions ?? {}),
    })
    .onConflict((conflict) => conflict.columns(['organization_id', 'name']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) throw new AppError('conflict', `a state named "${input.name}" exists`);
  return state.id;
}

async function accountOf(trx: Trx, cloudAccountId: string) {
  const account = await trx.selectFrom('cloud_accounts').select('id').where('id', '=', cloudAccountId).executeTakeFirst();
  if (!account) throw new AppError('invalid', `cloud_account_id: cloud account ${cloudAccountId} not found`);
}

/** Renames a state or changes its account, pull interval or module versions; links and compares again. */
export async function updateState(
  trx: Trx,
  deps: TerraformDeps,
  organizationId: string,
  id: string,
  changes: Omit<Partial<NewState>, 'backend' | 'cloud_account_id'> & { cloud_account_id?: string | null | undefined },
): Promise<void> {
  await stateOrThrow(trx, id);
  const { module_versions, ...fields } = changes;
  if (fields.cloud_account_id) await accountOf(trx, fields.cloud_account_id);
  const set = { ...fields, ...(module_versions === undefined ? {} : { module_versions: JSON.stringify(module_versions) }) };
  if (Object.keys(set).length === 0) return;
  await trx
    .updateTable('terraform_states')
    .set(set)
    .where('id', '=', id)
    .execute()
    .catch((error: unknown) => {
      if ((error as { code?: string }).code === '23505') throw new AppError('conflict', `a state named "${fields.name}" exists`);
      throw error;
    });
  await linkModulesAndDrift(trx, deps, organizationId);
}

export async function stateOrThrow(trx: Trx, id: string) {
  const state = await trx.selectFrom('terraform_states').select(['id', 'organization_id', 'backend', 'backend_config', 'serial', 'lineage']).where('id', '=', id).executeTakeFirst();
  if (!state) throw new AppError('not_found', `terraform state ${id} not found`);
  return state;
}

/** A new version of an uploaded state (a backend's state is replaced by its pulls only). */
export async function uploadState(trx: Trx, deps: TerraformDeps, id: string, file: Buffer): Promise<void> {
  const state = await stateOrThrow(trx, id);
  if (state.backend !== 'upload') throw new AppError('conflict', `terraform state ${id} is pulled from its ${state.backend} backend; it takes no upload`);
  let raw: unknown;
  try {
    raw = JSON.parse(file.toString('utf8'));
  } catch {
    throw new AppError('invalid', 'body: the state file is not JSON');
  }
  await storeStateFile(trx, deps, state, raw, parseOrRefuse(raw));
}

export type PullOutcome = { status: 'done'; resources: number } | { status: 'skipped'; reason: string };

/**
 * Pulls a state from its backend, as `terraform state pull` does, and stores it. The same lineage
 * and serial as stored is the same state, and an s3 object or azurerm blob with the ETag last read
 * is not even downloaded: nothing is written. A failure is recorded on the state (last_error) and thrown, for
 * the job to retry.
 */
export async function pullState(
  db: Kysely<Database>,
  deps: TerraformPullDeps,
  target: { organization_id: string; terraform_state_id: string },
): Promise<PullOutcome> {
  const state = await withTenant(db, target.organization_id, (trx) => trx.selectFrom('terraform_states').selectAll().where('id', '=', target.terraform_state_id).executeTakeFirst());
  if (!state || state.backend === 'upload' || !state.backend_config) return { status: 'skipped', reason: `terraform state ${target.terraform_state_id} has no backend` };
  const backend = openSecret(deps.keyring, state.backend_config as EncryptedSecret, aadOf(state, 'backend_config')) as StateBackend;
  const record = (set: { last_error: string | null; backend_etag?: string | null }) =>
    withTenant(db, target.organization_id, (trx) => trx.updateTable('terraform_states').set(set).where('id', '=', state.id).execute());
  let read: BackendRead;
  let parsed: ParsedState;
  try {
    read = await readBackend(backend, state.backend_etag, deps.maxBytes, backendRule(deps.allowedNetworks));
    if ('unchanged' in read) {
      if (state.last_error !== null) await record({ last_error: null });
      return { status: 'skipped', reason: `ETag ${read.unchanged} is the one read last` };
    }
    parsed = parseState(read.raw);
  } catch (error) {
    await record({ last_error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  if (parsed.lineage !== null && parsed.lineage === state.lineage && parsed.serial !== null && String(parsed.serial) === state.serial) {
    // A rewritten object of the same serial: its new ETag spares the next pull the download.
    if (state.last_error !== null || read.etag !== state.backend_etag) await record({ last_error: null, backend_etag: read.etag });
    return { status: 'skipped', reason: `serial ${parsed.serial} is the one stored` };
  }
  await withTenant(db, target.organization_id, (trx) => storeStateFile(trx, deps, state, read.raw, parsed, read.etag));
  return { status: 'done', resources: parsed.resources.length };
}

/** A state as served: what was parsed of it, never its file or its backend. */
export async function stateView(trx: Trx, id: string) {
  const row = await statesQuery(trx).where('s.id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `terraform state ${id} not found`);
  return row;
}

export function statesQuery(trx: Trx) {
  return trx
    .selectFrom('terraform_states as s')
    .select([
      's.id', 's.name', 's.cloud_account_id', 's.backend', 's.pull_interval_minutes', 's.serial', 's.lineage', 's.terraform_version',
      's.last_error', 's.module_versions', 's.last_updated', 's.created_at',
      sql<number>`(select count(*)::int from terraform_resources t where t.terraform_state_id = s.id)`.as('resources'),
    ])
    .$narrowType<{ module_versions: Record<string, string> }>();
}
