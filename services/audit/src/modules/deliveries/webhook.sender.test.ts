import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, verifyStratusSignature, type WebhookReceiver } from '../../../test/webhook-receiver.ts';
import { DeliveryError } from './delivery-error.ts';
import { createWebhookSender, forbiddenRange, publicAddressesOnly } from './webhook.sender.ts';

describe('forbiddenRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.10.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['192.168.1.1', 'private (RFC 1918)'],
    ['fc00::1', 'private (fc00::/7)'],
    ['fd12:3456::1', 'private (fc00::/7)'],
    ['169.254.169.254', 'link-local (where cloud metadata services answer)'],
    ['fe80::1', 'link-local (where cloud metadata services answer)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    // IPv4 inside IPv6 is judged as the IPv4 address, or refused as a whole.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local (where cloud metadata services answer)'],
    ['64:ff9b::a00:1', 'rfc6052'],
  ])('refuses %s: %s', (address, range) => {
    expect(forbiddenRange(address)).toBe(range);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.216.34'])('lets %s through', (address) => {
    expect(forbiddenRange(address)).toBeUndefined();
  });
});

/** A resolver that answers every name with these addresses. */
function resolvingTo(...addresses: string[]) {
  const answer: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return publicAddressesOnly((_hostname, _options, callback) => callback(null, answer));
}

function lookUp(lookup: ReturnType<typeof publicAddressesOnly>, all: boolean) {
  return new Promise<{ error: (Error & { code?: string }) | null; address: unknown; family?: number }>((resolve) =>
    lookup('hooks.example.test', { all }, (error, address, family) => resolve({ error, address, family })),
  );
}

describe('publicAddressesOnly', () => {
  it('keeps only the public addresses of a name, so a socket can connect to no other', async () => {
    const lookup = resolvingTo('10.0.0.7', '93.184.216.34', '::1', '2606:4700:4700::1111');
    expect(await lookUp(lookup, true)).toEqual({ error: null, address: [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ], family: undefined });
    expect(await lookUp(lookup, false)).toEqual({ error: null, address: '93.184.216.34', family: 4 });
  });

  it('fails a name with no public address, naming the range', async () => {
    const { error } = await lookUp(resolvingTo('169.254.169.254', 'fe80::1'), true);
    expect(error?.code).toBe('ESTRATUS_WEBHOOK_ADDRESS_REFUSED');
    expect(error?.message).toBe(
      "the webhook's host resolves to a link-local (where cloud metadata services answer) address; webhooks are sent to public addresses only " +
        '(WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows others, for development)',
    );
  });

  it('passes a resolver error on', async () => {
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const lookup = publicAddressesOnly((_hostname, _options, callback) => callback(notFound, []));
    expect((await lookUp(lookup, true)).error).toBe(notFound);
  });
});

describe('a webhook sender', () => {
  let receiver: WebhookReceiver;
  const port = () => new URL(receiver.url('/')).port;
  const request = (url: string) => ({ url, body: '{"id":"1"}', secret: 'whsec_test' });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  /** The DeliveryError a post fails with. */
  async function refusal(post: Promise<void>): Promise<DeliveryError> {
    const error = await post.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(error).toBeInstanceOf(DeliveryError);
    return error as DeliveryError;
  }

  describe('with WEBHOOK_ALLOW_PRIVATE_NETWORKS off (the default)', () => {
    const sender = createWebhookSender({ allowPrivateNetworks: false });
    afterAll(() => sender.close());

    it('refuses a loopback URL for good, without connecting to it', async () => {
      for (const [url, says] of [
        [`https://127.0.0.1:${port()}/hook`, "the webhook's host is a loopback address"],
        [`https://[::ffff:127.0.0.1]:${port()}/hook`, "the webhook's host is a loopback address"],
        // A name is checked on the addresses it resolves to, by the connection's own lookup.
        [`https://localhost:${port()}/hook`, "the webhook's host resolves to a loopback address"],
      ] as const) {
        const error = await refusal(sender.post(request(url)));
        expect(error.permanent, url).toBe(true);
        expect(error.message, url).toBe(`${says}; webhooks are sent to public addresses only (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows others, for development)`);
      }
      expect(receiver.connections()).toBe(0);
    });

    it('refuses the cloud metadata service and private networks', async () => {
      for (const [url, range] of [
        ['https://169.254.169.254/latest/meta-data/', 'link-local (where cloud metadata services answer)'],
        ['https://[fd00:ec2::254]/latest/meta-data/', 'private (fc00::/7)'],
        ['https://10.0.0.1/hook', 'private (RFC 1918)'],
        ['https://100.64.0.1/hook', 'carrier-grade NAT'],
        ['https://0.0.0.0/hook', 'unspecified'],
      ] as const) {
        const error = await refusal(sender.post(request(url)));
        expect(error.permanent, url).toBe(true);
        expect(error.message, url).toContain(`is a ${range} address`);
      }
    });

    it('refuses a URL that is not https', async () => {
      const error = await refusal(sender.post(request(receiver.url('/plain'))));
      expect(error).toMatchObject({
        permanent: true,
        message: 'the webhook URL is http, not https (http is allowed only with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true, for development)',
      });
      expect(await refusal(sender.post(request('ftp://hooks.example.test/x')))).toMatchObject({ permanent: true });
      expect(await refusal(sender.post(request('not a url')))).toMatchObject({ permanent: true, message: 'the webhook URL is not a valid URL' });
      expect(receiver.connections()).toBe(0);
    });
  });

  describe('with WEBHOOK_ALLOW_PRIVATE_NETWORKS on', () => {
    const sender = createWebhookSender({ allowPrivateNetworks: true });
    afterAll(() => sender.close());

    it('posts to a receiver on loopback over http, signed', async () => {
      await sender.post(request(receiver.url('/allowed')));

      const [received] = receiver.requests('/allowed');
      expect(received!.body).toBe('{"id":"1"}');
      expect(verifyStratusSignature('whsec_test', String(received!.headers['stratus-signature']), received!.body)).toBe(true);
    });

    it('still refuses a scheme other than http and https', async () => {
      expect(await refusal(sender.post(request('ftp://127.0.0.1/x')))).toMatchObject({ permanent: true, message: 'the webhook URL is ftp, not https or http' });
    });
  });
});
