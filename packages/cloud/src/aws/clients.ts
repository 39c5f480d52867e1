import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { CloudAccountRef } from '../adapter.ts';
import type { AwsCredentials } from '../credentials.ts';

type TemporaryCredentialsOptions = Parameters<typeof fromTemporaryCredentials>[0];
export type AwsSourceCredentials = NonNullable<TemporaryCredentialsOptions['masterCredentials']>;
type Identity = Awaited<ReturnType<ReturnType<typeof fromTemporaryCredentials>>>;

/** Cost Explorer and STS answer in one region; IAM roles are global. */
export const HOME_REGION = 'us-east-1';

export interface AwsClients {
  ec2(region: string): EC2Client;
  rds(region: string): RDSClient;
  elb(region: string): ElasticLoadBalancingV2Client;
  cloudwatch(region: string): CloudWatchClient;
  s3(region: string): S3Client;
  costExplorer(): CostExplorerClient;
  sts(): STSClient;
  /** Obtains the credentials now: for assume_role, calls sts:AssumeRole (verify reports its failure as such). */
  resolveCredentials(): Promise<void>;
}

/**
 * One client per service and region, sharing the account's credentials. The SDK's own retries are
 * off (maxAttempts 1): the adapter retries every call itself, so the policy is one and testable.
 */
export function createAwsClients(
  account: CloudAccountRef,
  credentials: AwsCredentials,
  sourceCredentials: AwsSourceCredentials | undefined,
): AwsClients {
  const identity = credentialIdentity(account, credentials, sourceCredentials);
  const clients = new Map<string, object>();
  const config = (region: string) => ({
    region,
    credentials: identity,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  });
  const cached = <C extends object>(key: string, make: () => C): C => {
    let client = clients.get(key) as C | undefined;
    if (!client) {
      client = make();
      clients.set(key, client);
    }
    return client;
  };
  return {
    ec2: (region) => cached(`ec2:${region}`, () => new EC2Client(config(region))),
    rds: (region) => cached(`rds:${region}`, () => new RDSClient(config(region))),
    elb: (region) => cached(`elb:${region}`, () => new ElasticLoadBalancingV2Client(config(region))),
    cloudwatch: (region) => cached(`cloudwatch:${region}`, () => new CloudWatchClient(config(region))),
    s3: (region) => cached(`s3:${region}`, () => new S3Client(config(region))),
    costExplorer: () => cached('ce', () => new CostExplorerClient(config(HOME_REGION))),
    sts: () => cached('sts', () => new STSClient(config(HOME_REGION))),
    resolveCredentials: async () => {
      if (typeof identity === 'function') await identity();
    },
  };
}

function credentialIdentity(
  account: CloudAccountRef,
  credentials: AwsCredentials,
  sourceCredentials: AwsSourceCredentials | undefined,
): Identity | (() => Promise<Identity>) {
  if (credentials.method === 'access_keys') {
    return {
      accessKeyId: credentials.access_key_id,
      secretAccessKey: credentials.secret_access_key,
      ...(credentials.session_token ? { sessionToken: credentials.session_token } : {}),
    };
  }
  return shareUntilExpiry(
    fromTemporaryCredentials({
      params: {
        RoleArn: credentials.role_arn,
        ExternalId: credentials.external_id,
        // Shows in the customer's CloudTrail which Stratus account assumed the role.
        RoleSessionName: `stratus-${account.id}`.slice(0, 64),
        DurationSeconds: 3600,
      },
      ...(sourceCredentials ? { masterCredentials: sourceCredentials } : {}),
      clientConfig: { region: HOME_REGION, maxAttempts: 1 },
    }),
  );
}

const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * Every client memoises credentials on its own; sharing one assumed-role session across the
 * account's clients (services x regions) costs one AssumeRole per hour instead of one per client.
 */
function shareUntilExpiry(provider: () => Promise<Identity>): () => Promise<Identity> {
  let current: Promise<Identity> | undefined;
  let expiresAt = Number.POSITIVE_INFINITY;
  return async () => {
    if (!current || expiresAt - Date.now() < REFRESH_BEFORE_MS) {
      const pending = provider();
      current = pending;
      expiresAt = Number.POSITIVE_INFINITY;
      pending.then(
        (identity) => {
          expiresAt = identity.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
        },
        () => {
          if (current === pending) current = undefined;
        },
      );
    }
    return current;
  };
}
