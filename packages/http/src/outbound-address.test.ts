import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { assertPermittedHost, forbiddenRange, parseAllowedNetworks, publicAddressesOnly, type OutboundRule } from './outbound-address.ts';

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

  it('lets the allowed networks through, and only them', () => {
    const allowed = parseAllowedNetworks('10.20.0.0/16, fd00::/8');
    expect(forbiddenRange('10.20.3.4', allowed)).toBeUndefined();
    expect(forbiddenRange('::ffff:10.20.3.4', allowed)).toBeUndefined();
    expect(forbiddenRange('fd00::7', allowed)).toBeUndefined();
    expect(forbiddenRange('10.21.0.1', allowed)).toBe('private (RFC 1918)');
    expect(forbiddenRange('169.254.169.254', allowed)).toBe('link-local (where cloud metadata services answer)');
  });

  it('names the setting that is not a network', () => {
    expect(() => parseAllowedNetworks('10.0.0.0/8,intranet')).toThrow('intranet is not a network in CIDR notation (for example 10.20.0.0/16)');
    expect(parseAllowedNetworks('')).toEqual([]);
  });
});

const rule: OutboundRule = { refusal: (range, resolved) => `the host ${resolved ? 'resolves to' : 'is'} a ${range} address` };

/** A resolver that answers every name with these addresses. */
function answering(...addresses: string[]) {
  const answer: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return (_hostname: string, _options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => callback(null, answer);
}

function lookUp(lookup: ReturnType<typeof publicAddressesOnly>, all: boolean) {
  return new Promise<{ error: (Error & { code?: string }) | null; address: unknown; family?: number }>((resolve) =>
    lookup('hooks.example.test', { all }, (error, address, family) => resolve({ error, address, family })),
  );
}

describe('publicAddressesOnly', () => {
  it('keeps only the public addresses of a name, so a socket can connect to no other', async () => {
    const lookup = publicAddressesOnly(rule, answering('10.0.0.7', '93.184.216.34', '::1', '2606:4700:4700::1111'));
    expect(await lookUp(lookup, true)).toEqual({ error: null, address: [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ], family: undefined });
    expect(await lookUp(lookup, false)).toEqual({ error: null, address: '93.184.216.34', family: 4 });
  });

  it('keeps the addresses of allowed networks too', async () => {
    const lookup = publicAddressesOnly({ ...rule, allowed: ['10.0.0.0/24'] }, answering('10.0.0.7', '169.254.169.254'));
    expect(await lookUp(lookup, false)).toEqual({ error: null, address: '10.0.0.7', family: 4 });
  });

  it('fails a name with no permitted address, naming the range', async () => {
    const { error } = await lookUp(publicAddressesOnly(rule, answering('169.254.169.254', 'fe80::1')), true);
    expect(error?.code).toBe('ESTRATUS_ADDRESS_REFUSED');
    expect(error?.message).toBe('the host resolves to a link-local (where cloud metadata services answer) address');
  });

  it('passes a resolver error on', async () => {
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const lookup = publicAddressesOnly(rule, (_hostname, _options, callback) => callback(notFound, []));
    expect((await lookUp(lookup, true)).error).toBe(notFound);
  });
});

describe('assertPermittedHost', () => {
  it('refuses an address literal and a name that resolves to a refused address', async () => {
    await expect(assertPermittedHost(new URL('http://169.254.169.254/latest/meta-data/'), rule)).rejects.toThrow(
      'the host is a link-local (where cloud metadata services answer) address',
    );
    await expect(assertPermittedHost(new URL('http://[::1]:9090'), rule)).rejects.toThrow('the host is a loopback address');
    await expect(assertPermittedHost(new URL('http://localhost:9090'), rule)).rejects.toThrow('the host resolves to a loopback address');
  });

  it('lets a public literal and an allowed network through', async () => {
    await expect(assertPermittedHost(new URL('https://93.184.216.34/'), rule)).resolves.toBeUndefined();
    await expect(assertPermittedHost(new URL('http://localhost:9090'), { ...rule, allowed: ['127.0.0.0/8', '::1/128'] })).resolves.toBeUndefined();
  });
});
