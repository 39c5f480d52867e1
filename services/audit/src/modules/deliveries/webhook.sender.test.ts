import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, verifyStratusSignature, type WebhookReceiver } from '../../../test/webhook-receiver.ts';
import { DeliveryError } from './delivery-error.ts';
import { createWebhookSender } from './webhook.sender.ts';

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
