import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudCredentialsError, CloudUnavailableError } from '../adapter.ts';
import { awsAdapter } from './test-support.ts';

// No SDK mock here: the real STS client signs and sends, nock answers as STS does.
beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => nock.cleanAll());

const STS = 'https://sts.us-east-1.amazonaws.com';

const callerIdentity = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/stratus</Arn>
    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;

const stsError = (code: string, message: string) =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>`;

describe('AWS clients over HTTP', () => {
  it('sign requests with the access key, SigV4', async () => {
    let authorization: string | null = null;
    nock(STS)
      .post('/')
      .reply((req: Request) => {
        authorization = req.headers.get('authorization');
        return [200, callerIdentity];
      });

    await expect(awsAdapter().verify()).resolves.toEqual({ account_id: '123456789012' });
    expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/sts\/aws4_request/);
  });

  it('leave retries to the adapter: one request per attempt, none for refused credentials', async () => {
    const unavailable = nock(STS).post('/').times(4).reply(503, stsError('ServiceUnavailable', 'Service is unavailable'));

    await expect(awsAdapter().verify()).rejects.toBeInstanceOf(CloudUnavailableError);
    expect(unavailable.isDone()).toBe(true);

    let calls = 0;
    nock(STS)
      .post('/')
      .reply(() => {
        calls += 1;
        return [403, stsError('InvalidClientTokenId', 'The security token included in the request is invalid.')];
      })
      .persist();

    await expect(awsAdapter().verify()).rejects.toBeInstanceOf(CloudCredentialsError);
    expect(calls).toBe(1);
  });
});
