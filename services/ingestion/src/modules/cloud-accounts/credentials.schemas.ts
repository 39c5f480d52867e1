import { z } from 'zod';
import { credentialsSchemas, type CloudCredentials, type CloudProvider } from '@stratus/cloud';
import { AppError, invalidRequestMessage } from '@stratus/http';

/**
 * What the API shows of a stored credential: how it authenticates and whom as, never anything that
 * would let someone authenticate. Kept in cloud_accounts.metadata.credentials when the credential
 * is stored, so showing an account never needs to decrypt anything.
 */
export const credentialSummarySchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('access_keys'),
    access_key_id: z.string().describe('only its last 4 characters, e.g. ****WXYZ'),
  }),
  z.object({ method: z.literal('assume_role'), role_arn: z.string() }),
  z.object({ method: z.literal('client_secret'), tenant_id: z.string(), client_id: z.string() }),
  z.object({ method: z.literal('service_account'), client_email: z.string() }),
]);

export type CredentialSummary = z.infer<typeof credentialSummarySchema>;

/** The credentials of a request, before they are checked against their provider's schema. */
export const credentialsInput = z
  .record(z.string(), z.unknown())
  .describe(
    'Write-only; never returned. AWS: {method: "access_keys", access_key_id, secret_access_key, session_token?} ' +
      'or {method: "assume_role", role_arn, external_id}. AZURE: {tenant_id, client_id, client_secret}. ' +
      'GCP: {service_account: <the JSON key file of a service account>}.',
  );

const REDACTED = '[redacted]';
/** Shorter values would redact ordinary words of a message; no credential value is that short. */
const MIN_SCRUBBED_LENGTH = 4;

/** Every string (and number, as text) in the value, walked without recursion: a body may nest thousands deep. */
function stringLeaves(root: unknown): string[] {
  const leaves: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    const text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : value;
    if (typeof text === 'string') {
      if (text.length >= MIN_SCRUBBED_LENGTH) leaves.push(text);
    } else if (text !== null && typeof text === 'object') {
      for (const item of Object.values(text)) pending.push(item);
    }
  }
  return leaves;
}

/**
 * The issues of a failed check of body.credentials as `{field, message}`, each scrubbed of every
 * value the caller sent: a zod message may quote its input (a custom message, a future default),
 * and these reach the client and may reach logs.
 */
export function credentialIssues(error: z.ZodError, input: unknown): { field: string; message: string }[] {
  // Longest first, so a value containing another is redacted whole.
  const secrets = stringLeaves(input).sort((a, b) => b.length - a.length);
  const scrub = (text: string) => secrets.reduce((scrubbed, secret) => scrubbed.replaceAll(secret, REDACTED), text);
  return error.issues.map((issue) => ({
    // The path is the schema's own keys (no record keys), and values such as "service_account" may equal one.
    field: ['body', 'credentials', ...issue.path.map(String)].join('.'),
    message: scrub(issue.message),
  }));
}

/** Checks credentials against their provider's schema; the error names each failing field, never a value. */
export function parseCredentials(provider: CloudProvider, input: unknown): CloudCredentials {
  const result = credentialsSchemas[provider].safeParse(input);
  if (result.success) return result.data;
  const issues = credentialIssues(result.error, input);
  throw new AppError('invalid', invalidRequestMessage(issues), {
    details: { issues },
  });
}

export function describeCredentials(credentials: CloudCredentials): CredentialSummary {
  if ('service_account' in credentials) return { method: 'service_account', client_email: credentials.service_account.client_email };
  if ('client_secret' in credentials) {
    return { method: 'client_secret', tenant_id: credentials.tenant_id, client_id: credentials.client_id };
  }
  return credentials.method === 'access_keys'
    ? { method: 'access_keys', access_key_id: `****${credentials.access_key_id.slice(-4)}` }
    : { method: 'assume_role', role_arn: credentials.role_arn };
}
