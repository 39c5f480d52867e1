import type { KeyObject } from 'node:crypto';
import { periodicTask, type BackgroundTask, type ServiceDeps } from '@stratus/runtime';
import { organizationsToCheckpoint } from '../modules/audit/chain.repository.ts';
import { checkpointOrganization } from '../modules/audit/audit-chain.service.ts';

/** Signs every organisation's chain head that moved since its last checkpoint. */
export async function checkpointAll(db: ServiceDeps['db'], key: KeyObject): Promise<{ signed: number }> {
  let signed = 0;
  for (const organizationId of await organizationsToCheckpoint(db)) {
    if (await checkpointOrganization(db, key, organizationId)) signed += 1;
  }
  return { signed };
}

/**
 * The scheduled checkpoints, at start and every AUDIT_CHECKPOINT_INTERVAL_MINUTES, in the manner
 * of CloudTrail's hourly digests. A rewrite of the rows before a checkpoint is caught by it; rows
 * after the last one are protected by the chain alone until the next pass.
 */
export function auditCheckpointJob(deps: Pick<ServiceDeps, 'db' | 'logger'>, key: KeyObject | undefined, intervalMinutes: number): BackgroundTask[] {
  if (!key) {
    deps.logger.warn('AUDIT_SIGNING_KEY is not set: the audit chain is not checkpointed, and a rewrite of a whole chain would go unnoticed');
    return [];
  }
  return [periodicTask('audit checkpoints', intervalMinutes * 60_000, deps.logger, () => checkpointAll(deps.db, key))];
}
