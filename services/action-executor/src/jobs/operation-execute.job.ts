import { UnrecoverableError, type Job } from 'bullmq';
import type { Transaction } from 'kysely';
import { CloudError, type CloudAdapter, type resolveAdapter } from '@stratus/cloud';
import { groupCommit, groupCommitBy, withTenant, type Database, type JsonObject } from '@stratus/db';
import { putOff, type JobHandler } from '@stratus/queues';
import type { ServiceDeps } from '@stratus/runtime';
import type { AccountGate, Lease } from '../modules/operations/account-gate.ts';
import { changeRecord } from '../modules/operations/change-record.ts';
import { findOperationTargets, markFinished, markRetrying, markRunning, type OperationTarget } from '../modules/operations/operations.repository.ts';

export interface OperationExecuteDependencies extends Pick<ServiceDeps, 'db' | 'logger'> {
  gate: AccountGate;
  adapterFor: (trx: Transaction<Database>, account: Parameters<typeof resolveAdapter>[2]) => Promise<CloudAdapter>;
}

/** A consumer enqueues inside its transaction: a job may look for its row before the commit. */
export const UNCOMMITTED_RETRY_MS = 50;
/** After this long without its row, the row's transaction did not commit: there is nothing to do. */
export const UNCOMMITTED_GIVE_UP_MS = 60_000;

function describe(error: unknown): { message: string; class: string; retryable: boolean } {
  if (error instanceof CloudError) return { message: error.message, class: error.name, retryable: error.retryable };
  // Not the provider's answer (the database, the network on our side): worth another attempt.
  return { message: error instanceof Error ? error.message : String(error), class: error instanceof Error ? error.name : 'Error', retryable: true };
}

type Ask = { operation_id: string; organization_id: string };

/**
 * Executes one operation, at most once at the provider. The row decides: a succeeded, failed or
 * cancelled operation is skipped whoever enqueues it again (a redelivery, the reconciler, a
 * replay); the provider call carries the operation id as client token, so an attempt that ran
 * before a crash (applied, not yet recorded) is answered with its first result rather than
 * applied again. Throttling and transient errors are retried with the catalogue's backoff
 * (exponential, jittered); a permanent error fails at once.
 *
 * The worker's jobs of one moment share their statements: their claims are one transaction (and
 * one call of the account gate), their ends another, their releases one Redis round trip, each a
 * group commit (groupCommitBy) that a job awaits. A batch that fails is done again one job at a
 * time, so one bad operation fails alone. Each row a job writes still commits in the same
 * transaction as its history and its event.
 */
export function operationExecuteJob(deps: OperationExecuteDependencies): JobHandler<'operation.execute'> {
  const claim = groupCommitBy((ask: Ask) => ask.organization_id, (organizationId, asks) => claimOperations(deps, organizationId, asks));
  // A lease is given back as soon as its operation's end is committed, with the others of the batch.
  const finish = groupCommitBy(
    ({ ending }: { ending: Ending; lease: Lease }) => ending.target.organization_id,
    async (organizationId, ends) => {
      await withTenant(deps.db, organizationId, (trx) => markFinished(trx, ends.map(({ ending }) => ending)), { byKey: true });
      await deps.gate.releaseMany(ends.map(({ lease }) => lease));
      return ends.map(() => undefined);
    },
  );
  const release = groupCommit(async (leases: Lease[]) => {
    await deps.gate.releaseMany(leases);
    return leases.map(() => undefined);
  });
  return async (ask, job, token) => {
    let lease: Lease | undefined;
    try {
      const claimed = await claim(ask);
      lease = claimed.lease;
      switch (claimed.kind) {
        case 'missing':
          if (Date.now() - job.timestamp > UNCOMMITTED_GIVE_UP_MS) throw new UnrecoverableError(`operation ${ask.operation_id} does not exist`);
          return await putOff(job, token, UNCOMMITTED_RETRY_MS);
        case 'gone':
          throw new UnrecoverableError(claimed.message);
        case 'busy':
          return await putOff(job, token, claimed.retryInMs);
        case 'skipped':
          return { status: 'skipped' as const, reason: claimed.reason };
        case 'started': {
          const held = claimed.lease;
          return await execute(deps, claimed, job, async (ending) => {
            await finish({ ending, lease: held });
            lease = undefined;
          });
        }
      }
    } finally {
      if (lease !== undefined) await release(lease);
    }
  };
}

type Executable = OperationTarget & { resource: NonNullable<OperationTarget['resource']>; account: NonNullable<OperationTarget['account']> };

/** `lease`: the account's lease the claim holds, for the job to release whatever happens next. */
type Claim = (
  | { kind: 'missing' }
  | { kind: 'gone'; message: string }
  | { kind: 'busy'; retryInMs: number }
  | { kind: 'skipped'; reason: string }
  | { kind: 'started'; target: Executable; attempts: number; adapter: CloudAdapter; lease: Lease }
) & { lease?: Lease };

type Ending = Parameters<typeof markFinished>[1][number];

/**
 * Reads the operations, takes their accounts' leases and marks them running, in one transaction:
 * the leases are asked for with the transaction open (one Redis call for all of them) rather than
 * between two transactions, which would cost a commit and three more round trips. If the
 * transaction fails, the leases it took are given back before the jobs are claimed one by one.
 */
async function claimOperations(deps: OperationExecuteDependencies, organizationId: string, asks: Ask[]): Promise<Claim[]> {
  const leased: Lease[] = [];
  try {
    // Operations pile up faster than they are analyzed (a burst of requests): every statement of
    // the claim and of the end finds its rows by key.
    return await withTenant(deps.db, organizationId, async (trx) => {
      const targets = await findOperationTargets(trx, asks.map((ask) => ask.operation_id));
      const claims: Claim[] = [];
      const gone: Ending[] = [];
      const runnable: { index: number; target: Executable }[] = [];
      for (const [index, { operation_id }] of asks.entries()) {
        const target = targets.get(operation_id);
        if (!target) claims[index] = { kind: 'missing' };
        else if (target.status !== 'queued' && target.status !== 'running') claims[index] = { kind: 'skipped', reason: `operation already ${target.status}` };
        else if (!target.resource || !target.account) {
          const error = { message: `operation ${operation_id}: its resource is no longer in the inventory`, retryable: false };
          gone.push({ target, outcome: { status: 'error', result: { error: { ...error, class: 'ResourceGone' } }, error } });
          claims[index] = { kind: 'gone', message: error.message };
        } else runnable.push({ index, target: { ...target, resource: target.resource, account: target.account } });
      }
      await markFinished(trx, gone);
      const answers = await deps.gate.acquireMany(runnable.map(({ target }) => ({ accountId: target.account.id, holder: target.id })));
      const acquired = runnable.filter(({ index }, position) => {
        const answer = answers[position]!;
        if (answer.acquired) return true;
        claims[index] = { kind: 'busy', retryInMs: answer.retryInMs };
        return false;
      });
      leased.push(...acquired.map(({ target }) => ({ accountId: target.account.id, holder: target.id })));
      const attempts = await markRunning(trx, acquired.map(({ target }) => target));
      // One adapter per account of the batch: a live one reads and opens the account's credentials.
      const adapters = new Map<string, Promise<CloudAdapter>>();
      const adapterOf = (account: Executable['account']) => {
        if (!adapters.has(account.id)) adapters.set(account.id, deps.adapterFor(trx, account));
        return adapters.get(account.id)!;
      };
      for (const { index, target } of acquired) {
        const lease = { accountId: target.account.id, holder: target.id };
        const attempt = attempts.get(target.id);
        claims[index] =
          attempt === undefined
            ? { kind: 'skipped', reason: 'operation finished meanwhile', lease }
            : { kind: 'started', target, attempts: attempt, adapter: await adapterOf(target.account), lease };
      }
      return claims;
    }, { byKey: true });
  } catch (error) {
    await deps.gate.releaseMany(leased);
    throw error;
  }
}

/** `finish` commits the operation's end (and gives its lease back). */
async function execute(
  deps: OperationExecuteDependencies,
  { target, attempts, adapter }: Extract<Claim, { kind: 'started' }>,
  job: Job,
  finish: (ending: Ending) => Promise<void>,
) {
  const { resource } = target;
  try {
    const result = await adapter.execute({
      operation: target.operation,
      provider_resource_id: resource.provider_resource_id,
      resource_type: resource.type,
      region: resource.region,
      params: target.params,
      client_token: target.id,
    });
    const change = changeRecord(target.operation, target.params, resource, result);
    const recorded = { ...change, state: result.state, details: result.details, attempts } as unknown as JsonObject;
    await finish({ target, outcome: { status: 'success', result: recorded } });
    deps.logger.info({ operationId: target.id, operation: target.operation, attempts }, 'operation succeeded');
    return { status: 'done' as const, operation_id: target.id, attempts };
  } catch (error) {
    const failure = describe(error);
    // The attempts counted on the row bound them too: a job the reconciler enqueued again after
    // Redis lost it starts from attempt 1, but the operation keeps the attempts it has had.
    const final = !failure.retryable || Math.max(job.attemptsMade + 1, attempts) >= (job.opts.attempts ?? 1);
    if (final) await finish({ target, outcome: { status: 'error', result: { error: failure, attempts }, error: { message: failure.message, retryable: failure.retryable } } });
    else await withTenant(deps.db, target.organization_id, (trx) => markRetrying(trx, target.id, { ...failure, attempt: attempts }));
    if (final) throw new UnrecoverableError(failure.message);
    throw error;
  }
}
