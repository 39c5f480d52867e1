import type { Transaction } from 'kysely';
import {
  adapterKindOf,
  deleteCredentials,
  storeCredentials,
  type AdapterKind,
  type CloudCredentials,
  type CloudProvider,
  type CredentialOwner,
} from '@stratus/cloud';
import type { Keyring } from '@stratus/vault';
import type { Database } from '@stratus/db';
import type { Outbox } from '@stratus/events';
import { AppError } from '@stratus/http';
import {
  findAccount,
  insertAccount,
  lockAccount,
  lockAccountByProviderId,
  updateAccount,
  type AccountChanges,
  type AccountRow,
} from './cloud-accounts.repository.ts';
import {
  DEFAULT_SYNC_INTERVAL_MINUTES,
  type AccountSettings,
  type CloudAccount,
  type LinkInput,
  type UpdateInput,
  billingPeriodRefusal,
} from './cloud-accounts.schemas.ts';
import { credentialSummarySchema, describeCredentials, parseCredentials } from './credentials.schemas.ts';

export interface CloudAccountsOptions {
  keyring: Keyring;
  /** The adapter of an account linked without naming one (STRATUS_CLOUD). */
  defaultAdapter: AdapterKind;
  outbox: Outbox;
}

/** Who is acting: the caller's organisation (the tenant of the transaction) and user. */
export interface Actor {
  organizationId: string;
  userId: string;
}

function notFound(id: string): AppError {
  return new AppError('not_found', `cloud account ${id} not found`);
}

/**
 * Live accounts authenticate with their credentials; a simulated account reaches no cloud, so
 * credentials sent for one are refused rather than stored unused (and undeletable by accident).
 */
function acceptCredentials(adapter: AdapterKind, provider: CloudProvider, input: unknown): CloudCredentials | undefined {
  if (input === undefined) return undefined;
  if (adapter === 'sim') {
    throw new AppError(
      'invalid',
      'invalid request: body.credentials must be absent for adapter "sim": a simulated account reaches no cloud and needs none',
    );
  }
  return parseCredentials(provider, input);
}

export function toCloudAccount(row: AccountRow): CloudAccount {
  const { credentials, ...metadata } = row.metadata;
  const summary = credentialSummarySchema.safeParse(credentials);
  return {
    id: row.id,
    provider: row.provider,
    name: row.name,
    account_id: row.account_id,
    adapter: adapterKindOf(row.settings),
    status: row.status,
    last_sync: row.last_sync,
    last_sync_error: row.last_sync_error,
    settings: row.settings,
    metadata,
    has_credentials: row.has_credentials,
    credentials: row.has_credentials && summary.success ? summary.data : null,
    user_id: row.user_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export async function getCloudAccount(trx: Transaction<Database>, id: string): Promise<CloudAccount> {
  const row = await findAccount(trx, id);
  if (!row) throw notFound(id);
  return toCloudAccount(row);
}

/**
 * The account work is about to be queued for (a sync, a cost pull): 404 when the organisation has no
 * such account, 409 when it is in one of the `refused` states.
 */
export async function requireAccountFor(
  trx: Transaction<Database>,
  id: string,
  work: string,
  refused: readonly string[],
): Promise<AccountRow> {
  const row = await findAccount(trx, id);
  if (!row) throw notFound(id);
  if (refused.includes(row.status)) throw new AppError('conflict', `cloud account ${id} is ${row.status}: it cannot ${work}`);
  return row;
}

/**
 * Links an account: the account, its sealed credentials and cloud_account.linked commit together.
 * An account of the organisation that was unlinked before is linked again in place, so the
 * resources and cost history it kept stay attached to it.
 */
export async function linkCloudAccount(
  trx: Transaction<Database>,
  options: CloudAccountsOptions,
  actor: Actor,
  input: LinkInput,
): Promise<CloudAccount> {
  const adapter = input.adapter ?? options.defaultAdapter;
  const credentials = acceptCredentials(adapter, input.provider, input.credentials);
  if (adapter === 'live' && !credentials) {
    throw new AppError('invalid', 'invalid request: body.credentials is required for adapter "live"');
  }
  const settings: AccountSettings = { sync_interval_minutes: DEFAULT_SYNC_INTERVAL_MINUTES, ...input.settings, adapter };
  const alreadyLinked = (linked: { id: string; name: string } | undefined) =>
    new AppError(
      'conflict',
      `${input.provider} account ${input.account_id} is already linked to this organisation` +
        (linked ? ` as "${linked.name}" (cloud account ${linked.id})` : ''),
      linked ? { details: { cloud_account_id: linked.id } } : {},
    );

  const existing = await lockAccountByProviderId(trx, input.provider, input.account_id);
  // An unlinked account is linked again; a billing-only one (made by a billing-level cost import) gets its credentials.
  if (existing && existing.status !== 'unlinked' && existing.status !== 'billing_only') throw alreadyLinked(existing);
  let account: CredentialOwner;
  if (existing) {
    await updateAccount(trx, existing.id, { name: input.name, user_id: actor.userId, status: 'connected', settings, last_sync_error: null });
    account = { id: existing.id, organization_id: actor.organizationId, provider: input.provider };
  } else {
    const inserted = await insertAccount(trx, {
      organization_id: actor.organizationId,
      user_id: actor.userId,
      provider: input.provider,
      account_id: input.account_id,
      name: input.name,
      settings,
    });
    // A concurrent link of the same account committed between the lookup and the insert.
    if (!inserted) throw alreadyLinked(await lockAccountByProviderId(trx, input.provider, input.account_id));
    account = inserted;
  }
  if (credentials) {
    await storeCredentials(trx, options.keyring, account, credentials, actor.userId);
    await updateAccount(trx, account.id, { credentials: describeCredentials(credentials) });
  }
  await options.outbox.publish(trx, 'cloud_account.linked', {
    tenant: actor.organizationId,
    data: { cloud_account_id: account.id, provider: input.provider, account_id: input.account_id, name: input.name, user_id: actor.userId },
  });
  return getCloudAccount(trx, account.id);
}

export async function updateCloudAccount(
  trx: Transaction<Database>,
  options: CloudAccountsOptions,
  actor: Actor,
  id: string,
  input: UpdateInput,
): Promise<CloudAccount> {
  const account = await lockAccount(trx, id);
  if (!account) throw notFound(id);
  if (account.status === 'unlinked') {
    throw new AppError('conflict', `cloud account ${id} is unlinked: link it again with POST /v1/cloud-accounts`);
  }
  const refusal = billingPeriodRefusal(account.provider, input.settings);
  if (refusal) throw new AppError('invalid', `body.settings.billing_period_start_day: ${refusal}`);
  const credentials = acceptCredentials(adapterKindOf(account.settings), account.provider, input.credentials);
  const changes: AccountChanges = { name: input.name, status: input.status };
  if (input.settings) changes.settings = { ...account.settings, ...input.settings } as AccountSettings;
  if (credentials) {
    await storeCredentials(trx, options.keyring, account, credentials, actor.userId);
    changes.credentials = describeCredentials(credentials);
    // The credentials the last sync refused are gone; the next sync judges the new ones.
    if (account.status === 'credentials_invalid' && input.status === undefined) {
      changes.status = 'connected';
      changes.last_sync_error = null;
    }
  }
  await updateAccount(trx, id, changes);
  return getCloudAccount(trx, id);
}

/**
 * Unlinks an account: its credentials are deleted and discovery stops, while its resources and
 * cost history stay. Unlinking an unlinked account succeeds without a second event, so a retried
 * DELETE is harmless.
 */
export async function unlinkCloudAccount(trx: Transaction<Database>, outbox: Outbox, actor: Actor, id: string): Promise<void> {
  const account = await lockAccount(trx, id);
  if (!account) throw notFound(id);
  if (account.status === 'unlinked') return;
  await deleteCredentials(trx, id);
  await updateAccount(trx, id, { status: 'unlinked', credentials: null });
  await outbox.publish(trx, 'cloud_account.unlinked', {
    tenant: account.organization_id,
    data: { cloud_account_id: id, provider: account.provider, account_id: account.account_id, name: account.name, user_id: actor.userId },
  });
}
