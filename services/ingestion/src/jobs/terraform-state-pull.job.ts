import { UnrecoverableError } from 'bullmq';
import type { Kysely } from 'kysely';
import type { Database } from '@stratus/db';
import type { JobHandler } from '@stratus/queues';
import { pullState, type TerraformPullDeps } from '../modules/terraform/terraform.service.ts';
import { StateParseError } from '../modules/terraform/state.parser.ts';

/**
 * Pulls one state from its HTTP, s3 or azurerm backend. Re-running it is harmless: an unchanged state (same
 * lineage and serial) is a skipped no-op, and drift already reported is not reported again. A
 * backend that answers with something that is not a state is not retried: only its owner can fix it.
 */
export function terraformStatePullJob(deps: TerraformPullDeps & { db: Kysely<Database> }): JobHandler<'terraform.state.pull'> {
  return async (payload) => {
    try {
      return await pullState(deps.db, deps, payload);
    } catch (error) {
      if (error instanceof StateParseError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
