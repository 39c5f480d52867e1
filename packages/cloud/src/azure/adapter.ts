import type { CloudAccountRef, CloudAdapter } from '../adapter.ts';
import type { AzureCredentials } from '../credentials.ts';
import { createCall } from '../live/call.ts';
import { accountLabel, resolveLiveOptions, type LiveAdapterOptions } from '../live/options.ts';
import { createAzureClients } from './clients.ts';
import { fetchAzureCosts } from './costs.ts';
import { discoverAzure, type AzureContext } from './discovery.ts';
import { inspectAzureError } from './errors.ts';
import { createAzureExecutor } from './operations.ts';

export type AzureAdapterOptions = LiveAdapterOptions;

const SUBSCRIPTIONS_API_VERSION = '2022-12-01';

/**
 * The Azure adapter for one subscription (account_id), over a service principal's client secret.
 * Discovery covers the regions in settings.regions, else the whole subscription.
 */
export function createAzureAdapter(account: CloudAccountRef, credentials: AzureCredentials, options: AzureAdapterOptions = {}): CloudAdapter {
  const resolved = resolveLiveOptions(options);
  const label = accountLabel('Azure subscription', account);
  const ctx: AzureContext = {
    account,
    label,
    clients: createAzureClients(account, credentials),
    call: createCall({
      account: label,
      credentialsAdvice:
        `Check that the client secret of application ${credentials.client_id} in tenant ${credentials.tenant_id} has not expired, ` +
        'and that the application has a role on the subscription allowing this call (Reader; Cost Management Reader for costs; ' +
        'Virtual Machine Contributor for actions); then update the credentials in Stratus.',
      inspect: inspectAzureError,
      secrets: [credentials.client_secret],
      timings: resolved.retry,
    }),
  };
  const execute = createAzureExecutor(ctx, resolved);
  return {
    kind: 'live',
    provider: 'AZURE',
    discover: (discoveryOptions) => discoverAzure(ctx, discoveryOptions),
    fetchCosts: (period, costOptions) => fetchAzureCosts(ctx, period, resolved.now(), costOptions?.signal),
    execute: (request, executeOptions) => execute(request, executeOptions?.signal),
    async verify(verifyOptions) {
      const signal = verifyOptions?.signal;
      // Getting a token proves the secret; reading the subscription proves the role on it.
      const subscription = await ctx.call(
        'subscription read',
        () => {
          const path = `/subscriptions/${account.account_id}?api-version=${SUBSCRIPTIONS_API_VERSION}`;
          return ctx.clients.arm<{ subscriptionId: string }>('GET', path, undefined, signal);
        },
        { signal },
      );
      return { account_id: subscription.subscriptionId };
    },
  };
}
