import { AssetServiceClient } from '@google-cloud/asset';
import { BigQuery } from '@google-cloud/bigquery';
import {
  AddressesClient,
  DisksClient,
  GlobalOperationsClient,
  InstancesClient,
  RegionOperationsClient,
  SnapshotsClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import { MetricServiceClient } from '@google-cloud/monitoring';
import type { CloudAccountRef } from '../adapter.ts';
import type { GcpCredentials } from '../credentials.ts';

export interface GcpClients {
  assets: AssetServiceClient;
  metrics: MetricServiceClient;
  instances: InstancesClient;
  disks: DisksClient;
  snapshots: SnapshotsClient;
  addresses: AddressesClient;
  zoneOperations: ZoneOperationsClient;
  regionOperations: RegionOperationsClient;
  globalOperations: GlobalOperationsClient;
  /** Built on first use, from the shared auth's client. */
  bigquery(): Promise<BigQuery>;
}

/**
 * Every client speaks HTTP/1.1 REST+JSON (`fallback: true`) rather than gRPC: one transport for
 * all of them, the same one in production as in the tests, which mock it at the HTTP boundary.
 * The gax retries are turned off call by call (`retry: null`) and BigQuery's with autoRetry: the
 * adapter retries every call itself.
 */
export function createGcpClients(account: CloudAccountRef, credentials: GcpCredentials): GcpClients {
  const key = { client_email: credentials.service_account.client_email, private_key: credentials.service_account.private_key };
  const projectId = account.account_id;
  const instances = new InstancesClient({ projectId, credentials: key, fallback: true });
  // The clients on google-gax 6 and BigQuery share the first one's GoogleAuth: one token cache for
  // all, and google-auth-library 11 warns once, not per client, that `credentials` is deprecated.
  const shared = { projectId, auth: instances.auth, fallback: true };
  let bigquery: Promise<BigQuery> | undefined;
  return {
    assets: new AssetServiceClient({ projectId, credentials: key, fallback: true }),
    metrics: new MetricServiceClient(shared),
    instances,
    disks: new DisksClient(shared),
    snapshots: new SnapshotsClient(shared),
    addresses: new AddressesClient(shared),
    zoneOperations: new ZoneOperationsClient(shared),
    regionOperations: new RegionOperationsClient(shared),
    globalOperations: new GlobalOperationsClient(shared),
    bigquery: () => (bigquery ??= instances.auth.getClient().then((authClient) => new BigQuery({ projectId, authClient, autoRetry: false }))),
  };
}

/** gax call options: one page per call, and no retries of gax's own. */
export const ONE_ATTEMPT = { autoPaginate: false, retry: null } as const;
