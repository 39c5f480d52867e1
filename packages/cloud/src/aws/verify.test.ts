import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudCredentialsError } from '../adapter.ts';
import type { AwsCredentials } from '../credentials.ts';
import { FAST } from '../live/testing.ts';
import { awsAdapter, awsError } from './test-support.ts';

const sts = mockClient(STSClient);

beforeAll(() => nock.disableNetConnect());
afterAll(() => {
  sts.restore();
  nock.enableNetConnect();
});
beforeEach(() => sts.reset());
afterEach(() => nock.cleanAll());

const ROLE_ARN = 'arn:aws:iam::123456789012:role/StratusReadOnly';
const role: AwsCredentials = {
  method: 'assume_role',
  role_arn: ROLE_ARN,
  external_id: 'stratus-7f3a9c',
};
const withSource = { ...FAST, sourceCredentials: { accessKeyId: 'AKIAI44QH8DHBEXAMPLE', secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY' } };

const assumeRoleResponse = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/StratusReadOnly/stratus-0b9d7a52-5d43-4e8e-9a0e-3c2f4f1e7a11</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:stratus-0b9d7a52-5d43-4e8e-9a0e-3c2f4f1e7a11</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;

const accessDenied = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::111111111111:user/stratus is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/StratusReadOnly</Message>
  </Error>
  <RequestId>8e9b4a0c-1a2b-4c3d-9e8f-0a1b2c3d4e5f</RequestId>
</ErrorResponse>`;

describe('AWS verify', () => {
  it('returns the account the access keys belong to (sts:GetCallerIdentity)', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/stratus', UserId: 'AIDAEXAMPLE' });

    await expect(awsAdapter().verify()).resolves.toEqual({ account_id: '123456789012' });
  });

  it('assumes the role with its external id before asking who it is', async () => {
    let assumeRole: URLSearchParams | undefined;
    nock('https://sts.us-east-1.amazonaws.com')
      .post('/')
      .reply(200, async (req: Request) => {
        assumeRole = new URLSearchParams(await req.text());
        return assumeRoleResponse;
      });
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/StratusReadOnly/x' });

    await expect(awsAdapter({}, role, withSource).verify()).resolves.toEqual({ account_id: '123456789012' });

    expect(assumeRole?.get('Action')).toBe('AssumeRole');
    expect(assumeRole?.get('RoleArn')).toBe(ROLE_ARN);
    expect(assumeRole?.get('ExternalId')).toBe('stratus-7f3a9c');
    expect(assumeRole?.get('RoleSessionName')).toBe('stratus-0b9d7a52-5d43-4e8e-9a0e-3c2f4f1e7a11');
  });

  it('reports a role that refuses to be assumed as a credentials problem with the trust policy to check', async () => {
    nock('https://sts.us-east-1.amazonaws.com').post('/').reply(403, accessDenied);

    const error = await awsAdapter({}, role, withSource)
      .verify()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CloudCredentialsError);
    expect((error as Error).message).toMatch(/sts:AssumeRole \(arn:aws:iam::123456789012:role\/StratusReadOnly\) was refused \(AccessDenied: User: .* is not authorized/);
    expect((error as Error).message).toMatch(/trust policy lets Stratus assume it with this external id/);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  it('reports expired keys without retrying them', async () => {
    sts.on(GetCallerIdentityCommand).rejects(awsError('ExpiredToken', 400, 'The security token included in the request is expired'));

    await expect(awsAdapter().verify()).rejects.toBeInstanceOf(CloudCredentialsError);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });
});
