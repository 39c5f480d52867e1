import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '@stratus/http';
import { credentialIssues, describeCredentials, parseCredentials } from './credentials.schemas.ts';

describe('credentialIssues', () => {
  it('redacts every submitted value from the messages, however the message quotes it', () => {
    const schema = z.object({
      secret: z.string().refine(() => false, { error: (issue) => `${String(issue.input)} is not accepted` }),
      nested: z.object({ pin: z.number().refine(() => false, { error: (issue) => `pin ${String(issue.input)} is wrong` }) }),
    });
    const input = { secret: 'hunter2-hunter2', nested: { pin: 987654 } };

    const issues = credentialIssues(schema.safeParse(input).error!, input);

    expect(issues).toEqual([
      { field: 'body.credentials.secret', message: '[redacted] is not accepted' },
      { field: 'body.credentials.nested.pin', message: 'pin [redacted] is wrong' },
    ]);
  });

  it('redacts a value containing another one whole', () => {
    const schema = z.object({ a: z.string().refine(() => false, { error: (issue) => `got ${String(issue.input)}` }), b: z.string() });
    const input = { a: 'abcd-efgh-ijkl', b: 'efgh' };

    expect(credentialIssues(schema.safeParse(input).error!, input)[0]?.message).toBe('got [redacted]');
  });

  it('scrubs credentials nested thousands deep without overflowing the stack', () => {
    let input: unknown = 'deep-secret-value';
    for (let level = 0; level < 5_000; level += 1) input = { nested: input };
    const schema = z.object({ method: z.string({ error: () => 'deep-secret-value is not a method' }) });

    expect(credentialIssues(schema.safeParse(input).error!, input)).toEqual([
      { field: 'body.credentials.method', message: '[redacted] is not a method' },
    ]);
  });
});

describe('parseCredentials', () => {
  it('names the failing fields of the provider schema without their values', () => {
    const secret = 'tooShortSecret';
    const error = (() => {
      try {
        parseCredentials('AWS', { method: 'access_keys', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: secret });
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toBe('invalid request: body.credentials.secret_access_key must be an AWS secret access key');
    expect(JSON.stringify((error as AppError).details)).not.toContain(secret);
  });

  it('refuses credentials of another provider', () => {
    expect(() => parseCredentials('GCP', { tenant_id: crypto.randomUUID(), client_id: crypto.randomUUID(), client_secret: 'x' })).toThrow(
      /body\.credentials\.service_account/,
    );
  });
});

describe('describeCredentials', () => {
  it('shows how each kind authenticates and never a secret', () => {
    const tenant = crypto.randomUUID();
    const client = crypto.randomUUID();
    expect(
      describeCredentials({ method: 'access_keys', access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG' }),
    ).toEqual({ method: 'access_keys', access_key_id: '****MPLE' });
    expect(
      describeCredentials({ method: 'assume_role', role_arn: 'arn:aws:iam::123456789012:role/Stratus', external_id: 'ext-id-1' }),
    ).toEqual({ method: 'assume_role', role_arn: 'arn:aws:iam::123456789012:role/Stratus' });
    expect(describeCredentials({ tenant_id: tenant, client_id: client, client_secret: 'azure-secret' })).toEqual({
      method: 'client_secret',
      tenant_id: tenant,
      client_id: client,
    });
    expect(
      describeCredentials({
        service_account: {
          type: 'service_account',
          project_id: 'stratus-demo',
          private_key_id: 'abc',
          private_key: '-----BEGIN PRIVATE KEY-----',
          client_email: 'sa@stratus-demo.iam.gserviceaccount.com',
        },
      }),
    ).toEqual({ method: 'service_account', client_email: 'sa@stratus-demo.iam.gserviceaccount.com' });
  });
});
