import { z } from 'zod';

/**
 * Credential payloads per provider, validated on link and update. They are only ever held in
 * memory decrypted; at rest they are envelope-encrypted in cloud_credentials.
 */
export const awsCredentialsSchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('access_keys'),
    access_key_id: z.string().regex(/^(AKIA|ASIA)[A-Z0-9]{12,124}$/, 'must be an AWS access key id (AKIA... or ASIA...)'),
    secret_access_key: z.string().min(16, 'must be an AWS secret access key'),
    session_token: z.string().min(1).optional(),
  }),
  z.object({
    method: z.literal('assume_role'),
    role_arn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN'),
    external_id: z.string().min(2).max(1224),
  }),
]);

export const azureCredentialsSchema = z.object({
  tenant_id: z.uuid({ error: 'must be the directory (tenant) id, a UUID' }),
  client_id: z.uuid({ error: 'must be the application (client) id, a UUID' }),
  client_secret: z.string().min(1),
});

export const gcpServiceAccountSchema = z.object({
  type: z.literal('service_account'),
  project_id: z.string().min(1),
  private_key_id: z.string().min(1),
  private_key: z.string().includes('PRIVATE KEY', { error: 'must be the PEM private key of the service account' }),
  client_email: z.email(),
  client_id: z.string().optional(),
  token_uri: z.url().optional(),
});

export const gcpCredentialsSchema = z.object({ service_account: gcpServiceAccountSchema });

export const credentialsSchemas = {
  AWS: awsCredentialsSchema,
  AZURE: azureCredentialsSchema,
  GCP: gcpCredentialsSchema,
} as const;

export type AwsCredentials = z.infer<typeof awsCredentialsSchema>;
export type AzureCredentials = z.infer<typeof azureCredentialsSchema>;
export type GcpCredentials = z.infer<typeof gcpCredentialsSchema>;
export type CloudCredentials = AwsCredentials | AzureCredentials | GcpCredentials;
