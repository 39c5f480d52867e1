import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Transaction } from 'kysely';
import { CloudError, type CloudAdapter, type resolveAdapter } from '@stratus/cloud';
import { withTenant, type Database, type JsonObject } from '@stratus/db';
import type { JobHandler } from '@stratus/queues';
import type { ServiceDeps } from '@stratus/runtime';
import type { AccountGate } from '../modules/operations/account-gate.ts';
import { changeRecord } from '../modules/operations/change-record.ts';
import { findOperationTarget, markFinished, markRetrying, markRunning, type OperationTarget } from '../modules/operations/operations.repository.ts';

export interface OperationExecuteDependencies extends Pick<ServiceDeps, 'db' | 'logger'> {
  gate: AccountGate;
  adapterFor: (trx: Transaction<Database>, account: Parameters<typeof resolveAdapter>[2]) => Promise<CloudAdapter>;
}

/** A consumer enqueues inside its transaction: a job may look for its row before the commit. */
export const UNCOMMITTED_RETRY_MS = 50;
/** After this long without its row, the row's transaction did not commit: there is nothing to do. */
export const UNCOMMITTED_GIVE_UP_MS = 60_000;

/** Puts the job back for later without spending one of its attempts. */
export async function putOff(job: Job, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

function describe(error: unknown): { message: string; class: string; retryable: boolean } {
  if (error instanceof CloudError) return { message: error.message, class: error.name, retryable: error.retryable };
  // Not the provider's answer (the database, the network on our side): worth another attempt.
  return { message: error instanceof Error ? error.message : String(error), class: error instanceof Error ? error.name : 'Error', retryable: true };
}

/**
 * Executes one operation, at most once at the provider. The row decides: a succeeded, failed or
 * cancelled operation is skipped whoever enqueues it again (a redelivery, the reconciler, a
 * replay); the provider call carries the operation id as client token, so an attempt that ran
 * before a crash (applied, not yet recorded) is answered with its first result rather than
 * applied again. Throttling and transient errors are retried with the catalogue's backoff
 * (exponential, jittered); a permanent error fails at once.
 */
export function operationExecuteJob(deps: OperationExecuteDependencies): JobHandler<'operation.execute'> {
  return async ({ operation_id, organization_id }, job, token) => {
    const lease: { accountId?: string } = {};
    try {
      const claim = await withTenant(deps.db, organization_id, (trx) => claimOperation(deps, trx, operation_id, lease));
      switch (claim.kind) {
        case 'missing':
          if (Date.now() - job.timestamp > UNCOMMITTED_GIVE_UP_MS) throw new UnrecoverableError(`operation ${operation_id} does not exist`);
          return await putOff(job, token, UNCOMMITTED_RETRY_MS);
        case 'gone':
          throw new UnrecoverableError(claim.message);
        case 'busy':
          return await putOff(job, token, claim.retryInMs);
        case 'skipped':
          return { status: 'skipped' as const, reason: claim.reason };
        case 'started':
          return await execute(deps, claim, job);
      }
    } finally {
      if (lease.accountId !== undefined) await deps.gate.release(lease.accountId, operation_id);
    }
  };
}

type Executable = OperationTarget & { resource: NonNullable<OperationTarget['resource']>; account: NonNullable<OperationTarget['account']> };

type Claim =
  | { kind: 'missing' }
  | { kind: 'gone'; message: string }
  | { kind: 'busy'; retryInMs: number }
  | { kind: 'skipped'; reason: string }
  | { kind: 'started'; target: Executable; attempts: number; adapter: CloudAdapter };

/**
 * Reads the operation, takes its account's lease and marks it running, in one transaction: the
 * lease is asked for with the transaction open (one Redis call) rather than between two
 * transactions, which would cost a commit and three more round trips per operation. `lease`
 * names the account once its lease is held, for the caller to release whatever happens next.
 */
async function claimOperation(deps: OperationExecuteDependencies, trx: Transaction<Database>, operationId: string, lease: { accountId?: string }): Promise<Claim> {
  const target = await findOperationTarget(trx, operationId);
  if (!target) return { kind: 'missing' };
  if (target.status !== 'queued' && target.status !== 'running') return { kind: 'skipped', reason: `operation already ${target.status}` };
  const { resource, account } = target;
  if (!resource || !account) {
    const error = { message: `operation ${operationId}: its resource is no longer in the inventory`, retryable: false };
    await markFinished(trx, target, { status: 'error', result: { error: { ...error, class: 'ResourceGone' } }, error });
    return { kind: 'gone', message: error.message };
  }
  const gate = await deps.gate.acquire(account.id, operationId);
  if (!gate.acquired) return { kind: 'busy', retryInMs: gate.retryInMs };
  lease.accountId = account.id;
  const attempts = await markRunning(trx, target);
  if (attempts === undefined) return { kind: 'skipped', reason: 'operation finished meanwhile' };
  return { kind: 'started', target: { ...target, resource, account }, attempts, adapter: await deps.adapterFor(trx, account) };
}

async function execute(deps: OperationExecuteDependencies, { target, attempts, adapter }: Extract<Claim, { kind: 'started' }>, job: Job) {
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
    await withTenant(deps.db, target.organization_id, (trx) => markFinished(trx, target, { status: 'success', result: recorded }));
    deps.logger.info({ operationId: target.id, operation: target.operation, attempts }, 'operation succeeded');
    return { status: 'done' as const, operation_id: target.id, attempts };
  } catch (error) {
    const failure = describe(error);
    // The attempts counted on the row bound them too: a job the reconciler enqueued again after
    // Redis lost it starts from attempt 1, but the operation keeps the attempts it has had.
    const final = !failure.retryable || Math.max(job.attemptsMade + 1, attempts) >= (job.opts.attempts ?? 1);
    await withTenant(deps.db, target.organization_id, (trx) =>
      final
        ? markFinished(trx, target, { status: 'error', result: { error: failure, attempts }, error: { message: failure.message, retryable: failure.retryable } })
        : markRetrying(trx, target.id, { ...failure, attempt: attempts }),
    );
    if (final) throw new UnrecoverableError(failure.message);
    throw error;
  }
}
