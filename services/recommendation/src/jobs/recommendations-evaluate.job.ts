import type { JobHandler } from '@stratus/queues';
import type { ServiceDeps } from '@stratus/runtime';
import { measureRealizedSavings } from '../modules/realized-savings/realized-savings.service.ts';
import { evaluateAccount, evaluateOrganization } from '../modules/recommendations/evaluation.service.ts';

/** One account after its costs changed, or the whole organisation (daily, or asked for); then realized savings. */
export function recommendationsEvaluateJob(deps: Pick<ServiceDeps, 'db' | 'logger'>): JobHandler<'recommendations.evaluate'> {
  const logger = deps.logger.child({ job: 'recommendations.evaluate' });
  return async (payload) => {
    const started = Date.now();
    const now = new Date();
    const counts = payload.cloud_account_id
      ? await evaluateAccount(deps.db, payload.organization_id, payload.cloud_account_id, now)
      : await evaluateOrganization(deps.db, payload.organization_id, now);
    // The same imports that move the estimates measure what past actions really saved.
    const { measured } = await measureRealizedSavings(deps.db, payload.organization_id, payload.cloud_account_id, now);
    logger.info({ ...payload, ...counts, realized_measured: measured, ms: Date.now() - started }, 'recommendations evaluated');
    return { status: 'done', ...counts, realized_measured: measured };
  };
}
