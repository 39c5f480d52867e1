/** Shared by the AWS adapter's tests: an account, credentials and timings that keep tests fast. */
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import type { CloudAccountRef } from '../adapter.ts';
import type { AwsCredentials } from '../credentials.ts';
import { FAST } from '../live/testing.ts';
import { createAwsAdapter, type AwsAdapterOptions } from './adapter.ts';

export const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

export const account: CloudAccountRef = {
  id: '0b9d7a52-5d43-4e8e-9a0e-3c2f4f1e7a11',
  provider: 'AWS',
  account_id: '123456789012',
  settings: { regions: ['eu-west-1'] },
};

export const accessKeys: AwsCredentials = {
  method: 'access_keys',
  access_key_id: 'AKIAIOSFODNN7EXAMPLE',
  secret_access_key: SECRET_KEY,
};

export function awsAdapter(overrides: Partial<CloudAccountRef> = {}, credentials: AwsCredentials = accessKeys, options: AwsAdapterOptions = FAST) {
  return createAwsAdapter({ ...account, ...overrides }, credentials, options);
}

/** An error as the SDK throws it after reading the service's error response. */
export function awsError(name: string, status: number, message = `${name} (test)`): EC2ServiceException {
  return new EC2ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-test' },
    message,
  });
}

/**
 * Answers a paginated command from the continuation token it carries ("first" for none), records
 * the tokens asked for, and throws the queued errors of a token before answering it.
 */
export function paged<Output>(tokenField: string, pages: Record<string, Output>, failures: Record<string, Error[]> = {}) {
  const asked: (string | undefined)[] = [];
  return {
    asked,
    answer: (input: object): Output => {
      const token = (input as Record<string, string | undefined>)[tokenField];
      asked.push(token);
      const failure = failures[token ?? 'first']?.shift();
      if (failure) throw failure;
      const page = pages[token ?? 'first'];
      if (!page) throw new Error(`no page for token ${token}`);
      return page;
    },
  };
}
