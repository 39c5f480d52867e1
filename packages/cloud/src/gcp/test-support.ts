/** Shared by the GCP adapter's tests: a service account with a real (throwaway) key, fast timings. */
import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import type { CloudAccountRef } from '../adapter.ts';
import type { GcpCredentials } from '../credentials.ts';
import { FAST } from '../live/testing.ts';
import { createGcpAdapter, type GcpAdapterOptions } from './adapter.ts';

export const PROJECT = 'stratus-demo-prod';

// The clients sign JWTs with the key, so it has to be a real one.
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
export const PRIVATE_KEY = privateKey;

export const account: CloudAccountRef = {
  id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
  provider: 'GCP',
  account_id: PROJECT,
  settings: { billing_export_table: 'stratus-billing.billing_export.gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9' },
};

export const credentials: GcpCredentials = {
  service_account: {
    type: 'service_account',
    project_id: PROJECT,
    private_key_id: '3f1c2d4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d',
    private_key: privateKey,
    client_email: `stratus-reader@${PROJECT}.iam.gserviceaccount.com`,
    client_id: '109876543210987654321',
    token_uri: 'https://oauth2.googleapis.com/token',
  },
};

export function gcpAdapter(overrides: Partial<CloudAccountRef> = {}, options: GcpAdapterOptions = FAST) {
  return createGcpAdapter({ ...account, ...overrides }, credentials, options);
}

/**
 * Google's OAuth token endpoint. The REST clients mostly authenticate with self-signed JWTs and do
 * not call it; BigQuery may, so it answers whenever asked.
 */
export function grantTokens() {
  return nock('https://oauth2.googleapis.com')
    .post('/token')
    .reply(200, { access_token: 'ya29.c.test-access-token', expires_in: 3599, token_type: 'Bearer' })
    .persist();
}

/** A Google API error body, as the REST APIs answer. */
export function googleError(code: number, status: string, message: string) {
  return { error: { code, message, status } };
}
