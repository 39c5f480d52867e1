import type { CloudAccountRef, CloudAdapter } from '../adapter.ts';
import type { GcpCredentials } from '../credentials.ts';
import { createCall } from '../live/call.ts';
import { accountLabel, resolveLiveOptions, type LiveAdapterOptions } from '../live/options.ts';
import { createGcpClients, ONE_ATTEMPT } from './clients.ts';
import { fetchGcpCosts } from './costs.ts';
import { discoverGcp, type GcpContext } from './discovery.ts';
import { inspectGcpError } from './errors.ts';
import { createGcpExecutor } from './operations.ts';

export type GcpAdapterOptions = LiveAdapterOptions;

/**
 * The GCP adapter for one project (account_id), over a service account key. Discovery covers the
 * regions in settings.regions, else the whole project; costs need settings.billing_export_table
 * (see gcp/costs.ts).
 */
export function createGcpAdapter(account: CloudAccountRef, credentials: GcpCredentials, options: GcpAdapterOptions = {}): CloudAdapter {
  const resolved = resolveLiveOptions(options);
  const label = accountLabel('GCP project', account);
  const ctx: GcpContext = {
    account,
    label,
    clients: createGcpClients(account, credentials),
    call: createCall({
      account: label,
      credentialsAdvice:
        `Check that the key ${credentials.service_account.private_key_id} of ${credentials.service_account.client_email} still exists, ` +
        'that the APIs are enabled in the project, and that the service account has the roles this call needs (Cloud Asset Viewer, ' +
        'Monitoring Viewer, BigQuery Job User and Data Viewer for costs, Compute Instance Admin for actions); then update the credentials in Stratus.',
      inspect: inspectGcpError,
      secrets: [credentials.service_account.private_key],
      timings: resolved.retry,
    }),
  };
  const execute = createGcpExecutor(ctx, resolved);
  return {
    kind: 'live',
    provider: 'GCP',
    discover: (discoveryOptions) => discoverGcp(ctx, discoveryOptions),
    fetchCosts: (period, costOptions) => fetchGcpCosts(ctx, period, resolved.now(), costOptions?.signal),
    execute: (request, executeOptions) => execute(request, executeOptions?.signal),
    async verify(verifyOptions) {
      // The cheapest authenticated read of the project: one asset name.
      await ctx.call(
        'cloudasset:ListAssets (verify)',
        () => ctx.clients.assets.listAssets({ parent: `projects/${account.account_id}`, pageSize: 1 }, ONE_ATTEMPT),
        { signal: verifyOptions?.signal },
      );
      return { account_id: account.account_id };
    },
  };
}
