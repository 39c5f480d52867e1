import type { AdapterKind, CloudAccountRef, CloudAdapter } from './adapter.ts';
import { CloudCredentialsError } from './adapter.ts';
import { credentialsSchemas, type CloudCredentials } from './credentials.ts';
import { createSimAdapter } from './sim/index.ts';

/**
 * The adapter an account is served by. The live adapters are imported on first use: their SDKs
 * (AWS, Azure, Google Cloud) take seconds to load, and a service that only ever meets simulated
 * accounts, or none, should not pay for them at start-up.
 */
export async function createAdapter(
  account: CloudAccountRef,
  kind: AdapterKind,
  credentials: CloudCredentials | undefined,
): Promise<CloudAdapter> {
  if (kind === 'sim') return createSimAdapter(account);
  if (credentials === undefined) {
    throw new CloudCredentialsError(
      `cloud account ${account.id} (${account.provider} ${account.account_id}) has no stored credentials: add them with PATCH /v1/cloud-accounts/${account.id}`,
    );
  }
  const checked = credentialsSchemas[account.provider].safeParse(credentials);
  if (!checked.success) {
    throw new CloudCredentialsError(
      `the stored credentials of cloud account ${account.id} are not valid ${account.provider} credentials: replace them with PATCH /v1/cloud-accounts/${account.id}`,
    );
  }
  switch (account.provider) {
    case 'AWS': {
      const { createAwsAdapter } = await import('./aws/adapter.ts');
      return createAwsAdapter(account, credentialsSchemas.AWS.parse(credentials));
    }
    case 'AZURE': {
      const { createAzureAdapter } = await import('./azure/adapter.ts');
      return createAzureAdapter(account, credentialsSchemas.AZURE.parse(credentials));
    }
    case 'GCP': {
      const { createGcpAdapter } = await import('./gcp/adapter.ts');
      return createGcpAdapter(account, credentialsSchemas.GCP.parse(credentials));
    }
  }
}
