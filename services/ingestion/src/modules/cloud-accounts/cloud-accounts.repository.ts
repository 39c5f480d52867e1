import { sql, type Transaction } from 'kysely';
import type { CloudProvider } from '@stratus/cloud';
import { newestFirst, type Database, type KeysetCursor } from '@stratus/db';
import type { AccountSettings } from './cloud-accounts.schemas.ts';
import type { CredentialSummary } from './credentials.schemas.ts';

/** Every function runs in the caller's tenant transaction: row-level security scopes it to one organisation. */
type Trx = Transaction<Database>;

interface AccountFilters {
  provider?: CloudProvider | undefined;
  status?: string | undefined;
}

function selectAccounts(trx: Trx) {
  return trx
    .selectFrom('cloud_accounts')
    .select((eb) => [
      'id',
      'organization_id',
      'user_id',
      'provider',
      'name',
      'account_id',
      'status',
      'last_sync',
      'last_sync_error',
      'settings',
      'metadata',
      'created_at',
      'updated_at',
      eb
        .exists(eb.selectFrom('cloud_credentials').select(sql`1`.as('one')).whereRef('cloud_account_id', '=', 'cloud_accounts.id'))
        .$castTo<boolean>()
        .as('has_credentials'),
    ]);
}

export type AccountRow = NonNullable<Awaited<ReturnType<typeof findAccount>>>;

export function findAccount(trx: Trx, id: string) {
  return selectAccounts(trx).where('id', '=', id).executeTakeFirst();
}

export function listAccounts(trx: Trx, filters: AccountFilters, limit: number, after?: KeysetCursor) {
  return selectAccounts(trx)
    .$if(filters.provider !== undefined, (q) => q.where('provider', '=', filters.provider!))
    .$if(filters.status !== undefined, (q) => q.where('status', '=', filters.status!))
    .$call(newestFirst(after, limit))
    .execute();
}

/**
 * The account of this provider and id in the organisation, linked or not, locked until the
 * transaction ends so a concurrent link, update or unlink waits for this one.
 */
export function lockAccountByProviderId(trx: Trx, provider: CloudProvider, accountId: string) {
  return trx
    .selectFrom('cloud_accounts')
    .select(['id', 'name', 'status'])
    .where('provider', '=', provider)
    .where('account_id', '=', accountId)
    .forUpdate()
    .executeTakeFirst();
}

export function lockAccount(trx: Trx, id: string) {
  return trx
    .selectFrom('cloud_accounts')
    .select(['id', 'organization_id', 'provider', 'account_id', 'name', 'status', 'settings'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export interface NewAccount {
  organization_id: string;
  user_id: string;
  provider: CloudProvider;
  account_id: string;
  name: string;
  settings: AccountSettings;
}

/** Undefined when the organisation already has this provider account (the unique constraint). */
export function insertAccount(trx: Trx, account: NewAccount) {
  return trx
    .insertInto('cloud_accounts')
    .values({ ...account, settings: JSON.stringify(account.settings) })
    .onConflict((conflict) => conflict.columns(['organization_id', 'provider', 'account_id']).doNothing())
    .returning(['id', 'organization_id', 'provider'])
    .executeTakeFirst();
}

export interface AccountChanges {
  name?: string | undefined;
  user_id?: string | undefined;
  status?: string | undefined;
  settings?: AccountSettings | undefined;
  last_sync_error?: null | undefined;
  /** Replaces the summary of the stored credentials; null removes it. */
  credentials?: CredentialSummary | null | undefined;
}

export async function updateAccount(trx: Trx, id: string, changes: AccountChanges): Promise<void> {
  const { settings, credentials, ...columns } = changes;
  await trx
    .updateTable('cloud_accounts')
    .set({
      ...columns,
      ...(settings !== undefined ? { settings: JSON.stringify(settings) } : {}),
      ...(credentials === null ? { metadata: sql`metadata - 'credentials'` } : {}),
      ...(credentials ? { metadata: sql`metadata || jsonb_build_object('credentials', ${JSON.stringify(credentials)}::jsonb)` } : {}),
    })
    .where('id', '=', id)
    .execute();
}
