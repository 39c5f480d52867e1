/** Shared by the Azure adapter's tests: the account, a mocked Entra ID token endpoint, fast timings. */
import nock from 'nock';
import type { CloudAccountRef } from '../adapter.ts';
import type { AzureCredentials } from '../credentials.ts';
import { FAST } from '../live/testing.ts';
import { createAzureAdapter, type AzureAdapterOptions } from './adapter.ts';

export const SUBSCRIPTION = '8d2e1c4f-3b5a-4f6e-9a7b-0c1d2e3f4a5b';
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
export const CLIENT_SECRET = 'Xq38Q~kL2v.9sTgYh_4mNp1rZc7bWd0eFjH6uA5';
export const ARM = 'https://management.azure.com';

export const account: CloudAccountRef = {
  id: 'c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  provider: 'AZURE',
  account_id: SUBSCRIPTION,
  settings: {},
};

export const credentials: AzureCredentials = { tenant_id: TENANT, client_id: CLIENT_ID, client_secret: CLIENT_SECRET };

export function azureAdapter(overrides: Partial<CloudAccountRef> = {}, options: AzureAdapterOptions = FAST) {
  return createAzureAdapter({ ...account, ...overrides }, credentials, options);
}

/** Entra ID's client-credentials token endpoint, as MSAL calls it. */
export function tokenEndpoint() {
  return nock('https://login.microsoftonline.com').post(`/${TENANT}/oauth2/v2.0/token`).query(true);
}

export function grantTokens() {
  return tokenEndpoint()
    .reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test.signature' })
    .persist();
}

/** An ARM error body. */
export function armError(code: string, message: string) {
  return { error: { code, message } };
}
