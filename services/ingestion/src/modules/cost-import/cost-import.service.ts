import type { Kysely, Transaction } from 'kysely';
import { FocusFileError, type FocusCostRow } from '@stratus/cloud';
import { withTenant, type CloudProvider, type CostImportError, type Database, type ImportBreakdown } from '@stratus/db';
import type { Outbox, PublishManyItem } from '@stratus/events';
import type { ServiceDeps } from '@stratus/runtime';
import { ImportTally } from './cost-import.report.ts';

/** What a cost source yields: good rows, and the rows it refused with their line and reason. */
export interface CostBatch {
  rows: FocusCostRow[];
  errors: CostImportError[];
}

/** Where an import's rows come from: a provider pull of a period, or a file. */
export type CostImportOrigin = { kind: 'provider'; period: { start: Date; end: Date } } | { kind: 'file'; file_name: string };

export type CostImportSource = CostImportOrigin & { batches: AsyncIterable<CostBatch> };

export interface CostImportTarget {
  organization_id: string;
  cloud_account_id: string;
  user_id?: string | undefined;
}

export interface CostImportReport {
  id: string;
  /** applying: handed to the cost store, whose answer (applied or refused) the import shows later. */
  status: 'applying' | 'failed';
  rows_total: number;
  rows_imported: number;
  rows_rejected: number;
  batches: number;
  period: { start: string; end: string } | null;
  /** The first rejected rows; rows_rejected counts them all. */
  errors: CostImportError[];
  error: string | null;
  breakdown: ImportBreakdown;
}

export interface CostImportDependencies {
  db: Kysely<Database>;
  outbox: Outbox;
  logger: ServiceDeps['logger'];
  onProgress?: (progress: { rows: number; rejected: number }) => void;
}

/** Rows per cost.ingested event, the catalogue's bound. */
const ROWS_PER_EVENT = 1_000;
/** Serialised bytes per event, kept well under the 512 KiB event limit whatever the tags. */
const BYTES_PER_EVENT = 384 * 1024;
/** Events committed per transaction: fewer, larger commits; still small enough to keep locks short. */
const EVENTS_PER_TRANSACTION = 8;
/** Rejected rows kept on the import for people to read; beyond that they are only counted. */
const KEPT_ERRORS = 1_000;

/**
 * Publishes a cost source as cost.ingested batches through the outbox and records the import, which
 * then awaits the cost store's answer (cost_import.applied or .refused, see consumers/).
 * Only the final batch carries the summary (period, totals), and the cost service applies an
 * import only once it holds every batch up to the final one: an import that fails half way
 * publishes no final batch and so changes nothing. Bad rows are reported with their line and
 * reason; the good rows of the same file still land.
 */
export async function importCosts(
  deps: CostImportDependencies,
  target: CostImportTarget,
  source: CostImportSource,
): Promise<CostImportReport> {
  const tenant = target.organization_id;
  const account = await withTenant(deps.db, tenant, async (trx) => {
    const account = await trx
      .selectFrom('cloud_accounts')
      .select(['id', 'provider', 'account_id', 'status'])
      .where('id', '=', target.cloud_account_id)
      .executeTakeFirst();
    if (!account) throw new CostImportRejected(`cloud account ${target.cloud_account_id} does not exist`);
    if (account.status === 'unlinked') throw new CostImportRejected(`cloud account ${account.id} is unlinked`);
    return account;
  });
  const share = await AccountImport.open(deps, { ...target, provider: account.provider }, source);
  try {
    for await (const batch of source.batches) {
      for (const error of batch.errors) share.refuse(error);
      for (const row of batch.rows) await share.add(row);
      deps.onProgress?.({ rows: share.rows, rejected: share.rejected });
    }
    return await share.finish();
  } catch (error) {
    return share.fail(error);
  }
}

/**
 * One account's import: its cost_imports row, its cost.ingested batches and its report. A file of
 * one account is one; a billing-level file is one per account its rows name.
 */
export class AccountImport {
  readonly id: string;
  readonly #deps: CostImportDependencies;
  readonly #target: CostImportTarget;
  readonly #source: CostImportOrigin;
  readonly #publisher: BatchPublisher;
  readonly #tally: ImportTally;
  readonly #errors: CostImportError[] = [];
  rejected = 0;
  #period: { start: number; end: number } | undefined;
  // Rows of one charge period come together in an export: a run of them widens the period once.
  #previous: FocusCostRow | undefined;

  private constructor(deps: CostImportDependencies, target: CostImportTarget & { provider: CloudProvider }, source: CostImportOrigin, id: string) {
    this.id = id;
    this.#deps = deps;
    this.#target = target;
    this.#source = source;
    this.#publisher = new BatchPublisher(deps.db, deps.outbox, target.organization_id, {
      import_id: id,
      cloud_account_id: target.cloud_account_id,
      provider: target.provider,
      source: source.kind,
    });
    this.#tally = new ImportTally(target.provider);
    if (source.kind === 'provider') this.#period = { start: source.period.start.getTime(), end: source.period.end.getTime() };
  }

  static async open(
    deps: CostImportDependencies,
    target: CostImportTarget & { provider: CloudProvider; billing_import_id?: string },
    source: CostImportOrigin,
  ): Promise<AccountImport> {
    const { id } = await withTenant(deps.db, target.organization_id, (trx) =>
      trx
        .insertInto('cost_imports')
        .values({
          organization_id: target.organization_id,
          cloud_account_id: target.cloud_account_id,
          user_id: target.user_id ?? null,
          source: source.kind,
          file_name: source.kind === 'file' ? source.file_name : null,
          period_start: source.kind === 'provider' ? source.period.start : null,
          period_end: source.kind === 'provider' ? source.period.end : null,
          billing_import_id: target.billing_import_id ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    return new AccountImport(deps, target, source, id);
  }

  get rows(): number {
    return this.#publisher.rows;
  }

  refuse(error: CostImportError): void {
    if (this.#errors.length < KEPT_ERRORS) this.#errors.push(error);
    this.#tally.refused(error);
    this.rejected += 1;
  }

  async add(row: FocusCostRow): Promise<void> {
    this.#tally.kept(row);
    if (this.#source.kind === 'file' && !samePeriod(row, this.#previous)) this.#period = widen(this.#period, row);
    this.#previous = row;
    await this.#publisher.add(row);
  }

  /** Publishes the final batch; the import then waits for the cost store. */
  async finish(): Promise<CostImportReport> {
    if (!this.#period) {
      throw new CostImportRejected(this.rejected > 0 ? `none of the ${this.rejected} rows is valid` : 'the source holds no cost rows');
    }
    const summaryPeriod = { start: new Date(this.#period.start).toISOString(), end: new Date(this.#period.end).toISOString() };
    const report = {
      id: this.id,
      status: 'applying' as const,
      rows_total: this.#publisher.rows + this.rejected,
      rows_imported: this.#publisher.rows,
      rows_rejected: this.rejected,
      batches: 0,
      period: summaryPeriod,
      errors: this.#errors,
      error: null,
      breakdown: this.#tally.breakdown(),
    };
    await this.#publisher.finish(summaryPeriod, async (trx, batches) => {
      report.batches = batches;
      await recordOutcome(trx, this.id, report);
    });
    this.#deps.logger.info(
      { cost_import_id: this.id, cloud_account_id: this.#target.cloud_account_id, ...report, errors: undefined, breakdown: undefined },
      'cost import published; the cost store applies it',
    );
    return report;
  }

  /** Records the import failed; a reported error is its answer, any other is rethrown once recorded. */
  async fail(error: unknown): Promise<CostImportReport> {
    const report: CostImportReport = {
      id: this.id,
      status: 'failed',
      rows_total: this.#publisher.rows + this.rejected,
      rows_imported: 0,
      rows_rejected: this.rejected,
      batches: 0,
      period: null,
      errors: this.#errors,
      error: isReported(error)
        ? error.message
        : `the import stopped on an internal error (cost import ${this.id}); retry it, and look this id up in the ingestion service's log if it fails again`,
      breakdown: this.#tally.breakdown(),
    };
    await withTenant(this.#deps.db, this.#target.organization_id, (trx) => recordOutcome(trx, this.id, report));
    if (isReported(error)) return report;
    this.#deps.logger.error({ err: error, cost_import_id: this.id }, 'cost import failed');
    throw error;
  }
}

/**
 * Errors whose message is meant for the user and is kept on the import; any other (a database's,
 * a bug's) is logged, and the import shows a generic one: it is read back through the API.
 */
export function isReported(error: unknown): error is CostImportRejected | FocusFileError {
  return error instanceof CostImportRejected || error instanceof FocusFileError;
}

/** The import cannot go on (unknown account, nothing valid); reported, not retried. */
export class CostImportRejected extends Error {
  override name = 'CostImportRejected';
}

function samePeriod(row: FocusCostRow, other: FocusCostRow | undefined): boolean {
  return other !== undefined && row.charge_period_start === other.charge_period_start && row.charge_period_end === other.charge_period_end;
}

function widen(period: { start: number; end: number } | undefined, row: FocusCostRow): { start: number; end: number } {
  const start = Date.parse(row.charge_period_start);
  const end = Date.parse(row.charge_period_end);
  return period ? { start: Math.min(period.start, start), end: Math.max(period.end, end) } : { start, end };
}

async function recordOutcome(trx: Transaction<Database>, id: string, report: CostImportReport): Promise<void> {
  await trx
    .updateTable('cost_imports')
    .set({
      status: report.status,
      rows_total: report.rows_total,
      rows_imported: report.rows_imported,
      rows_rejected: report.rows_rejected,
      batches: report.batches,
      errors: JSON.stringify(report.errors),
      error: report.error,
      breakdown: JSON.stringify(report.breakdown),
      completed_at: new Date(),
      ...(report.period ? { period_start: report.period.start, period_end: report.period.end } : {}),
    })
    .where('id', '=', id)
    .execute();
}

type ImportHeader = { import_id: string; cloud_account_id: string; provider: CloudProvider; source: 'provider' | 'file' };

/**
 * Cuts rows into events (at most ROWS_PER_EVENT rows and BYTES_PER_EVENT bytes) and commits them
 * a few events per transaction. The last event is held back until the source ends, so it can be
 * the final one and carry the summary.
 */
class BatchPublisher {
  readonly #db: Kysely<Database>;
  readonly #outbox: Outbox;
  readonly #tenant: string;
  readonly #header: ImportHeader;
  #current: FocusCostRow[] = [];
  #currentBytes = 0;
  #ready: FocusCostRow[][] = [];
  #index = 0;
  rows = 0;

  constructor(db: Kysely<Database>, outbox: Outbox, tenant: string, header: ImportHeader) {
    this.#db = db;
    this.#outbox = outbox;
    this.#tenant = tenant;
    this.#header = header;
  }

  async add(row: FocusCostRow): Promise<void> {
    const bytes = approximateBytes(row);
    if (this.#current.length === ROWS_PER_EVENT || this.#currentBytes + bytes > BYTES_PER_EVENT) {
      this.#ready.push(this.#current);
      this.#current = [];
      this.#currentBytes = 0;
      // One more than a transaction's worth: the newest stays back in case it is the last.
      if (this.#ready.length > EVENTS_PER_TRANSACTION) await this.#flush(this.#ready.splice(0, EVENTS_PER_TRANSACTION));
    }
    this.#current.push(row);
    this.#currentBytes += bytes;
    this.rows += 1;
  }

  async finish(period: { start: string; end: string }, complete: (trx: Transaction<Database>, batches: number) => Promise<void>): Promise<void> {
    const pending = [...this.#ready, this.#current];
    this.#ready = [];
    const batches = this.#index + pending.length;
    await withTenant(this.#db, this.#tenant, async (trx) => {
      await this.#outbox.publishMany(
        trx,
        pending.map((rows, offset) => {
          const final = offset === pending.length - 1;
          return this.#event(rows, this.#index + offset, final ? { batches, rows: this.rows, period } : undefined);
        }),
      );
      await complete(trx, batches);
    });
    this.#index = batches;
  }

  async #flush(events: FocusCostRow[][]): Promise<void> {
    const first = this.#index;
    this.#index += events.length;
    await withTenant(this.#db, this.#tenant, (trx) =>
      this.#outbox.publishMany(trx, events.map((rows, offset) => this.#event(rows, first + offset, undefined))).then(() => undefined),
    );
  }

  #event(rows: FocusCostRow[], index: number, summary: { batches: number; rows: number; period: { start: string; end: string } } | undefined): PublishManyItem {
    return {
      type: 'cost.ingested',
      tenant: this.#tenant,
      data: { ...this.#header, batch: { index, final: summary !== undefined }, rows, ...(summary ? { summary } : {}) },
    };
  }
}

/**
 * A row's JSON size without serialising it: the fields every row has, their names and quoting are
 * ~330 bytes. It is an estimate (escaped characters count once); the budget per event leaves room
 * under MAX_EVENT_BYTES, which buildEvent enforces exactly.
 */
function approximateBytes(row: FocusCostRow): number {
  let bytes = 330 + row.service_name.length + row.service_category.length + (row.provider_resource_id?.length ?? 0) + (row.region_id?.length ?? 0);
  if (row.sub_account_id !== undefined) bytes += '"sub_account_id":"",'.length + row.sub_account_id.length;
  for (const key in row.tags) bytes += key.length + (row.tags[key]?.length ?? 0) + 6;
  return bytes;
}
