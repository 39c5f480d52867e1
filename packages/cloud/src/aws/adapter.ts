import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CloudAccountRef, CloudAdapter } from '../adapter.ts';
import type { AwsCredentials } from '../credentials.ts';
import { createCall } from '../live/call.ts';
import { accountLabel, resolveLiveOptions, type LiveAdapterOptions } from '../live/options.ts';
import { createAwsClients, type AwsSourceCredentials } from './clients.ts';
import { fetchAwsCosts } from './costs.ts';
import { discoverAws, type AwsContext } from './discovery.ts';
import { inspectAwsError } from './errors.ts';
import { createAwsExecutor } from './operations.ts';

export interface AwsAdapterOptions extends LiveAdapterOptions {
  /**
   * The identity Stratus assumes customer roles with (method assume_role). Default: the SDK's
   * default chain (environment, instance or task role).
   */
  sourceCredentials?: AwsSourceCredentials;
}

/**
 * The AWS adapter over the SDK v3 clients. Regions come from settings.regions, else every region
 * enabled for the account. Every call goes through one retry policy (see live/call.ts).
 */
export function createAwsAdapter(account: CloudAccountRef, credentials: AwsCredentials, options: AwsAdapterOptions = {}): CloudAdapter {
  const resolved = resolveLiveOptions(options);
  const label = accountLabel('AWS account', account);
  const secrets =
    credentials.method === 'access_keys' ? [credentials.secret_access_key, credentials.session_token ?? ''] : [credentials.external_id];
  const ctx: AwsContext = {
    account,
    label,
    clients: createAwsClients(account, credentials, options.sourceCredentials),
    call: createCall({
      account: label,
      credentialsAdvice:
        credentials.method === 'access_keys'
          ? 'Check that the access key is active and not expired, and that its IAM policy allows this call; ' +
            'then update the credentials in Stratus.'
          : "Check that the role's trust policy lets Stratus assume it with this external id, and that its IAM policy allows this call; " +
            'then update the credentials in Stratus.',
      inspect: inspectAwsError,
      secrets,
      timings: resolved.retry,
    }),
  };
  const execute = createAwsExecutor(ctx, resolved);
  return {
    kind: 'live',
    provider: 'AWS',
    discover: (discoveryOptions) => discoverAws(ctx, discoveryOptions),
    fetchCosts: (period, costOptions) => fetchAwsCosts(ctx, period, costOptions?.signal),
    execute: (request, executeOptions) => execute(request, executeOptions?.signal),
    async verify(verifyOptions) {
      const signal = verifyOptions?.signal;
      if (credentials.method === 'assume_role') {
        await ctx.call(`sts:AssumeRole (${credentials.role_arn})`, () => ctx.clients.resolveCredentials(), { signal });
      }
      const identity = await ctx.call(
        'sts:GetCallerIdentity',
        () => ctx.clients.sts().send(new GetCallerIdentityCommand({}), { abortSignal: signal }),
        { signal },
      );
      return { account_id: identity.Account as string };
    },
  };
}
