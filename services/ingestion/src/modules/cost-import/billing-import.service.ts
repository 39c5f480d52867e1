import { CLOUD_PROVIDERS, withTenant, type CloudProvider, type CostImportError, type ImportBreakdown, type UnlinkedSubAccounts } from '@stratus/db';
import type { FocusCostRow } from '@stratus/cloud';
import { AccountImport, isReported, type CostBatch, type CostImportDependencies, type CostImportReport } from './cost-import.service.ts';
import { ImportTally } from './cost-import.report.ts';
import { UnassignedCosts, type SubAccount, type UnassignedSubAccount } from './unassigned-costs.ts';

/** Refused rows kept on the billing import for people to read; beyond that they are only counted. */
const KEPT_ERRORS = 1_000;

export interface BillingImportTarget {
  organization_id: string;
  user_id: string;
}

export interface BillingImportSource {
  file_name: string;
  unlinked_sub_accounts: UnlinkedSubAccounts;
  /** Reads the file, refusing each valid row `accept` gives a reason for (with its line). */
  read(accept: (row: FocusCostRow) => string | undefined): AsyncIterable<CostBatch>;
}

export interface LinkedAccount {
  cloud_account_id: string;
  provider: CloudProvider;
  account_id: string;
  name: string;
}

export interface BillingImportReport {
  id: string;
  status: 'routed' | 'failed';
  file_name: string;
  unlinked_sub_accounts: UnlinkedSubAccounts;
  rows_total: number;
  rows_routed: number;
  rows_rejected: number;
  rows_unassigned: number;
  /** Rows no account received (another provider, no SubAccountId, a sub-account not linked) and rows the reader refused. */
  errors: CostImportError[];
  error: string | null;
  breakdown: ImportBreakdown;
  linked_accounts: LinkedAccount[];
  /** Sub-accounts no account is linked to whose rows were kept as unassigned cost. */
  unassigned: UnassignedSubAccount[];
  /** Each account's share, an import of its own that the cost store applies or refuses. */
  imports: (CostImportReport & { cloud_account_id: string })[];
}

interface KnownAccount {
  id: string;
  provider: CloudProvider;
  account_id: string;
  status: string;
}

const isCloudProvider = (name: string): name is CloudProvider => (CLOUD_PROVIDERS as readonly string[]).includes(name);

/**
 * How a row's SubAccountId names a linked account: an AWS account id as it is; an Azure
 * subscription as its id, which exports also write as /subscriptions/<id> and in any case; a GCP
 * project id as it is.
 */
export function subAccountOf(provider: CloudProvider, subAccountId: string): SubAccount {
  const id = subAccountId.trim();
  return { provider, sub_account_id: provider === 'AZURE' ? id.toLowerCase().replace(/^\/subscriptions\//, '') : id };
}

export function subAccountKey(provider: CloudProvider, subAccountId: string): string {
  return `${provider}:${subAccountOf(provider, subAccountId).sub_account_id}`;
}

type RoutableRow = FocusCostRow & { provider_name: CloudProvider; sub_account_id: string };

/**
 * Routes a billing account's rows to the organisation's cloud accounts by provider and
 * SubAccountId, and links the sub-accounts nobody linked as billing-only accounts when the import
 * says so. The accounts are read once, before the file: an account linked meanwhile waits for the
 * next import.
 */
class BillingRouter {
  readonly #accounts: Map<string, KnownAccount>;
  readonly #shares = new Map<string, { share: AccountImport; subAccount: SubAccount }>();
  readonly linked: LinkedAccount[] = [];
  readonly deps: CostImportDependencies;
  readonly target: BillingImportTarget & { billing_import_id: string; file_name: string };
  readonly unlinked: UnlinkedSubAccounts;

  private constructor(
    deps: CostImportDependencies,
    target: BillingImportTarget & { billing_import_id: string; file_name: string },
    unlinked: UnlinkedSubAccounts,
    accounts: KnownAccount[],
  ) {
    this.deps = deps;
    this.target = target;
    this.unlinked = unlinked;
    this.#accounts = new Map(accounts.map((account) => [subAccountKey(account.provider, account.account_id), account]));
  }

  static async load(deps: CostImportDependencies, target: BillingImportTarget & { billing_import_id: string; file_name: string }, unlinked: UnlinkedSubAccounts) {
    const accounts = await withTenant(deps.db, target.organization_id, (trx) =>
      trx.selectFrom('cloud_accounts').select(['id', 'provider', 'account_id', 'status']).execute(),
    );
    return new BillingRouter(deps, target, unlinked, accounts);
  }

  /** Why a valid row reaches no account, or undefined when it does (or will, once linked). */
  refusal = (row: FocusCostRow): string | undefined => {
    if (row.provider_name === undefined) return 'ProviderName is empty: a billing-level import routes each row by its provider and SubAccountId';
    if (!isCloudProvider(row.provider_name)) {
      return `ProviderName '${row.provider_name}' is not AWS, Azure or GCP: Stratus links accounts of those three, and keeps no cost of others`;
    }
    if (row.sub_account_id === undefined) return 'SubAccountId is empty: a billing-level import routes each row to the account it names';
    const account = this.#accounts.get(subAccountKey(row.provider_name, row.sub_account_id));
    if (account?.status === 'unlinked') {
      return `SubAccountId ${row.sub_account_id} is cloud account ${account.id}, which is unlinked: link it again (POST /v1/cloud-accounts) to import its costs`;
    }
    if (!account && this.unlinked === 'refuse') {
      return (
        `SubAccountId ${row.sub_account_id}${row.sub_account_name ? ` (${row.sub_account_name})` : ''} is no ${row.provider_name} account linked to this ` +
        'organisation: link it (POST /v1/cloud-accounts), or import with unlinked_sub_accounts=link to link it as a billing-only account ' +
        'or unlinked_sub_accounts=unassigned to keep its rows as unassigned cost'
      );
    }
    return undefined;
  };

  /**
   * Where an accepted row goes: the import of its account, opened (and the account linked as
   * billing-only) at its first row, or unassigned cost when no account is linked and the import keeps those.
   */
  async destinationOf(row: RoutableRow): Promise<{ share: AccountImport } | { unassigned: SubAccount }> {
    const key = subAccountKey(row.provider_name, row.sub_account_id);
    const open = this.#shares.get(key);
    if (open) return open;
    const known = this.#accounts.get(key);
    if (!known && this.unlinked === 'unassigned') return { unassigned: subAccountOf(row.provider_name, row.sub_account_id) };
    const account = known ?? (await this.#linkBillingOnly(key, row));
    const share = await AccountImport.open(
      this.deps,
      {
        organization_id: this.target.organization_id,
        cloud_account_id: account.id,
        user_id: this.target.user_id,
        provider: account.provider,
        billing_import_id: this.target.billing_import_id,
      },
      { kind: 'file', file_name: this.target.file_name },
    );
    const routed = { share, subAccount: subAccountOf(row.provider_name, row.sub_account_id) };
    this.#shares.set(key, routed);
    return routed;
  }

  get shares(): [string, AccountImport][] {
    return [...this.#shares.entries()].map(([key, { share }]) => [this.#accounts.get(key)!.id, share]);
  }

  get routedSubAccounts(): SubAccount[] {
    return [...this.#shares.values()].map(({ subAccount }) => subAccount);
  }

  async #linkBillingOnly(key: string, row: RoutableRow): Promise<KnownAccount> {
    const provider = row.provider_name;
    const accountId = provider === 'AZURE' ? key.slice('AZURE:'.length) : row.sub_account_id.trim();
    const name = row.sub_account_name ?? `${provider} ${accountId}`;
    const account = await withTenant(this.deps.db, this.target.organization_id, async (trx) => {
      const inserted = await trx
        .insertInto('cloud_accounts')
        .values({
          organization_id: this.target.organization_id,
          user_id: this.target.user_id,
          provider,
          account_id: accountId,
          name,
          status: 'billing_only',
          settings: JSON.stringify({ linked_by: 'billing_import', billing_import_id: this.target.billing_import_id }),
        })
        .onConflict((conflict) => conflict.columns(['organization_id', 'provider', 'account_id']).doNothing())
        .returning(['id', 'provider', 'account_id', 'status'])
        .executeTakeFirst();
      // Linked by someone else since the accounts were read: theirs is used.
      if (!inserted) {
        return trx
          .selectFrom('cloud_accounts')
          .select(['id', 'provider', 'account_id', 'status'])
          .where('provider', '=', provider)
          .where('account_id', '=', accountId)
          .executeTakeFirstOrThrow();
      }
      await this.deps.outbox.publish(trx, 'cloud_account.linked', {
        tenant: this.target.organization_id,
        data: { cloud_account_id: inserted.id, provider, account_id: accountId, name, user_id: this.target.user_id },
      });
      this.linked.push({ cloud_account_id: inserted.id, provider, account_id: accountId, name });
      return inserted;
    });
    this.#accounts.set(key, account);
    return account;
  }
}

/**
 * Imports one FOCUS file of a billing account for the organisation: every row goes to the import of
 * the account its provider and SubAccountId name, one cost_imports row and one cost store answer per
 * account; rows no account receives are refused with their line and reason, and counted on the
 * billing import with the rest. A file that cannot be read at all fails every share, and so
 * changes nothing (a share publishes its final batch only at the end).
 */
export async function importBillingFile(
  deps: CostImportDependencies,
  target: BillingImportTarget,
  source: BillingImportSource,
): Promise<BillingImportReport> {
  const tenant = target.organization_id;
  const { id } = await withTenant(deps.db, tenant, (trx) =>
    trx
      .insertInto('billing_imports')
      .values({ organization_id: tenant, user_id: target.user_id, file_name: source.file_name, unlinked_sub_accounts: source.unlinked_sub_accounts })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  const router = await BillingRouter.load(deps, { ...target, billing_import_id: id, file_name: source.file_name }, source.unlinked_sub_accounts);
  const tally = new ImportTally('(none)');
  const unassigned = new UnassignedCosts(deps, tenant, id);
  const errors: CostImportError[] = [];
  let period: { first: string; last: string } | undefined;
  let routed = 0;
  let rejected = 0;
  let failure: unknown;
  try {
    for await (const batch of source.read(router.refusal)) {
      for (const error of batch.errors) {
        if (errors.length < KEPT_ERRORS) errors.push(error);
        tally.refused(error);
      }
      rejected += batch.errors.length;
      for (const row of batch.rows) {
        // The router accepted it: it names a cloud provider and a sub-account.
        const destination = await router.destinationOf(row as RoutableRow);
        if ('share' in destination) {
          await destination.share.add(row);
          routed += 1;
        } else {
          await unassigned.add(row, destination.unassigned);
        }
        tally.kept(row);
        const day = new Date(row.charge_period_start).toISOString().slice(0, 10);
        if (!period) period = { first: day, last: day };
        else if (day < period.first) period.first = day;
        else if (day > period.last) period.last = day;
      }
      deps.onProgress?.({ rows: routed + unassigned.rows, rejected });
    }
    await unassigned.settle(period, router.routedSubAccounts);
  } catch (error) {
    failure = error;
    // Rows of an import that is not routed never count; removing them is tidying up.
    await unassigned.discard().catch((error: unknown) => deps.logger.warn({ err: error, billing_import_id: id }, 'could not remove the unassigned cost of a failed billing import'));
  }
  const kept = routed + unassigned.rows;

  const imports: BillingImportReport['imports'] = [];
  for (const [cloud_account_id, share] of router.shares) {
    const report = failure === undefined ? await share.finish().catch((error: unknown) => share.fail(error)) : await share.fail(failure);
    imports.push({ ...report, cloud_account_id });
  }
  const report: BillingImportReport = {
    id,
    status: failure === undefined ? 'routed' : 'failed',
    file_name: source.file_name,
    unlinked_sub_accounts: source.unlinked_sub_accounts,
    rows_total: kept + rejected,
    rows_routed: failure === undefined ? routed : 0,
    rows_rejected: rejected,
    rows_unassigned: failure === undefined ? unassigned.rows : 0,
    errors,
    error:
      failure === undefined
        ? kept === 0
          ? rejected > 0
            ? `none of the ${rejected} rows reaches a linked account`
            : 'the file holds no cost rows'
          : null
        : isReported(failure)
          ? failure.message
          : `the import stopped on an internal error (billing import ${id}); retry it, and look this id up in the ingestion service's log if it fails again`,
    breakdown: tally.breakdown(),
    linked_accounts: router.linked,
    unassigned: failure === undefined ? unassigned.subAccounts : [],
    imports,
  };
  if (kept === 0 && failure === undefined) report.status = 'failed';
  await withTenant(deps.db, tenant, (trx) =>
    trx
      .updateTable('billing_imports')
      .set({
        status: report.status,
        rows_total: report.rows_total,
        rows_routed: report.rows_routed,
        rows_rejected: report.rows_rejected,
        rows_unassigned: report.rows_unassigned,
        errors: JSON.stringify(report.errors),
        error: report.error,
        breakdown: JSON.stringify(report.breakdown),
        linked_accounts: JSON.stringify(report.linked_accounts),
        completed_at: new Date(),
      })
      .where('id', '=', id)
      .execute(),
  );
  if (failure !== undefined && !isReported(failure)) {
    deps.logger.error({ err: failure, billing_import_id: id }, 'billing import failed');
    throw failure;
  }
  return report;
}
