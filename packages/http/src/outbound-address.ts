import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where a service may connect when a user gives it the address (a webhook, a Terraform backend):
 * the public internet, and the networks an operator allows. Everything else (this host, the
 * cluster's private ranges, the cloud metadata service at 169.254.169.254) would let a user make
 * the service reach what only the service should reach.
 */

/** How a refusal names the ranges of ipaddr.js; a range not listed is named as ipaddr.js names it. */
const RANGE_NAMES: Record<string, string> = {
  loopback: 'loopback',
  private: 'private (RFC 1918)',
  uniqueLocal: 'private (fc00::/7)',
  linkLocal: 'link-local (where cloud metadata services answer)',
  carrierGradeNat: 'carrier-grade NAT',
  multicast: 'multicast',
  broadcast: 'broadcast',
  unspecified: 'unspecified',
  reserved: 'reserved',
};

/** Networks an operator allows beside the public internet, as CIDRs (`10.20.0.0/16`, `fd00::/8`). */
export type AllowedNetworks = readonly string[];

/** The CIDRs of a comma-separated setting; throws naming the one that is not a CIDR. */
export function parseAllowedNetworks(setting: string): AllowedNetworks {
  const networks = setting.split(',').map((part) => part.trim()).filter(Boolean);
  for (const network of networks) {
    if (!ipaddr.isValidCIDR(network)) throw new Error(`${network} is not a network in CIDR notation (for example 10.20.0.0/16)`);
  }
  return networks;
}

function inAllowedNetwork(address: ipaddr.IPv4 | ipaddr.IPv6, allowed: AllowedNetworks): boolean {
  return allowed.some((network) => {
    const cidr = ipaddr.parseCIDR(network);
    // match() throws across kinds: an IPv4 network never holds an IPv6 address (mapped ones are unwrapped by process()).
    return cidr[0].kind() === address.kind() && address.match(cidr);
  });
}

/**
 * The range of an address that may not be reached, or undefined for a public one or one of the
 * allowed networks. Only ipaddr.js's `unicast` (the public internet) passes by itself: loopback,
 * private, link-local, CGNAT, multicast and the unspecified address are refused, and so are NAT64,
 * 6to4 and Teredo, which can embed any of those. IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as
 * the IPv4 address it is.
 */
export function forbiddenRange(address: string, allowed: AllowedNetworks = []): string | undefined {
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === 'unicast' || inAllowedNetwork(parsed, allowed)) return undefined;
  return RANGE_NAMES[range] ?? range;
}

/** The range of a URL's host when it is an address literal (connected to without a lookup), else undefined. */
export function forbiddenLiteral(url: URL, allowed: AllowedNetworks = []): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return ipaddr.isValid(host) ? forbiddenRange(host, allowed) : undefined;
}

/** Thrown (as a socket error's code, which survives undici's "fetch failed") when an address is refused. */
const ADDRESS_REFUSED = 'ESTRATUS_ADDRESS_REFUSED';

/** The rule's refusal, when a request failed because publicAddressesOnly refused every address (undici's "fetch failed" holds it as its cause). */
export function addressRefusalOf(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  return cause?.code === ADDRESS_REFUSED && typeof cause.message === 'string' ? cause.message : undefined;
}

/** dns.lookup asked for every address of a name. */
export type LookupAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface OutboundRule {
  allowed?: AllowedNetworks;
  /** What the refusal says, given the range and whether a name resolved to it. */
  refusal: (range: string, resolved: boolean) => string;
}

/**
 * Wraps a DNS lookup so that the socket only ever connects to the permitted addresses among those
 * it resolves: the check and the connection use the same answer, so a name that resolves to a
 * public address when checked and to a private one when connecting (DNS rebinding) gets nowhere.
 */
export function publicAddressesOnly(rule: OutboundRule, lookup: LookupAll = dnsLookup as LookupAll): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const ranges = addresses.map(({ address }) => forbiddenRange(address, rule.allowed));
      const permitted = addresses.filter((_, index) => ranges[index] === undefined);
      const [first] = permitted;
      if (first === undefined) return callback(Object.assign(new Error(rule.refusal(ranges[0] ?? 'unknown', true)), { code: ADDRESS_REFUSED }), '');
      if (options.all) return callback(null, permitted);
      callback(null, first.address, first.family);
    });
  };
}

/** Throws the rule's refusal when a URL's host is an address literal that is not permitted (a name passes: it is checked when resolved). */
export function assertPermittedLiteral(url: URL, rule: OutboundRule): void {
  const range = forbiddenLiteral(url, rule.allowed);
  if (range !== undefined) throw new Error(rule.refusal(range, false));
}

/**
 * Resolves a URL's host once and throws the rule's refusal unless an address is permitted: for
 * clients whose connections cannot take a lookup of ours (the AWS and Azure SDKs). Unlike
 * publicAddressesOnly it leaves the window of a DNS answer that changes between this check and
 * the client's own lookup.
 */
export async function assertPermittedHost(url: URL, rule: OutboundRule): Promise<void> {
  assertPermittedLiteral(url, rule);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (ipaddr.isValid(host)) return;
  await new Promise<void>((resolve, reject) => {
    publicAddressesOnly(rule)(host, { all: true }, (error) => (error ? reject(error) : resolve()));
  });
}
