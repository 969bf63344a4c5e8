import ipaddr from 'ipaddr.js';
import type { IpAddress } from './ip.address';

/**
 * Address ranges a real user never arrives from (IANA special-purpose registries, RFC 6890 and successors).
 * Names follow ipaddr.js's range names where it has one; `documentation` is split out of its `reserved`.
 * Order matters: the first match wins, so more specific ranges come first.
 */
const V4_RANGES: readonly (readonly [string, string])[] = [
  ['broadcast', '255.255.255.255/32'],
  ['unspecified', '0.0.0.0/8'],
  ['private', '10.0.0.0/8'],
  ['private', '172.16.0.0/12'],
  ['private', '192.168.0.0/16'],
  ['loopback', '127.0.0.0/8'],
  ['linkLocal', '169.254.0.0/16'],
  ['carrierGradeNat', '100.64.0.0/10'],
  ['documentation', '192.0.2.0/24'],
  ['documentation', '198.51.100.0/24'],
  ['documentation', '203.0.113.0/24'],
  ['benchmarking', '198.18.0.0/15'],
  ['reserved', '192.0.0.0/24'], // IETF protocol assignments
  ['reserved', '192.88.99.0/24'], // deprecated 6to4 relay anycast
  ['multicast', '224.0.0.0/4'],
  ['reserved', '240.0.0.0/4'],
];

const V6_RANGES: readonly (readonly [string, string])[] = [
  ['unspecified', '::/128'],
  ['loopback', '::1/128'],
  ['documentation', '2001:db8::/32'],
  ['documentation', '3fff::/20'],
  ['benchmarking', '2001:2::/48'],
  ['reserved', '2001:10::/28'], // ORCHID (deprecated)
  ['reserved', '2001:20::/28'], // ORCHIDv2: identifiers, not locators
  ['discard', '100::/64'],
  ['uniqueLocal', 'fc00::/7'],
  ['linkLocal', 'fe80::/10'],
  ['deprecatedSiteLocal', 'fec0::/10'],
  ['multicast', 'ff00::/8'],
  ['ipv4Compatible', '::/96'], // deprecated IPv4-compatible form; never seen from a real client
];

interface V4Rule {
  name: string;
  net: number;
  mask: number;
}
interface V6Rule {
  name: string;
  net: readonly [number, number, number, number];
  mask: readonly [number, number, number, number];
}

function maskOf(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

function compileV4(): V4Rule[] {
  return V4_RANGES.map(([name, cidr]) => {
    const [net, bits] = ipaddr.IPv4.parseCIDR(cidr);
    const b = net.toByteArray();
    const mask = maskOf(bits);
    return { name, net: ((((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) & mask) >>> 0, mask };
  });
}

/** Network words and mask words of an IPv6 prefix. */
export function v6Prefix(
  cidr: string,
): [readonly [number, number, number, number], readonly [number, number, number, number]] {
  const [net, bits] = ipaddr.IPv6.parseCIDR(cidr);
  const p = net.parts;
  const mask = [0, 1, 2, 3].map((i) => maskOf(bits - i * 32)) as [number, number, number, number];
  const words = [0, 1, 2, 3].map((i) => ((((p[2 * i]! << 16) | p[2 * i + 1]!) >>> 0) & mask[i]!) >>> 0) as [
    number,
    number,
    number,
    number,
  ];
  return [words, mask];
}

const V4_RULES = compileV4();
const V6_RULES: V6Rule[] = V6_RANGES.map(([name, cidr]) => {
  const [net, mask] = v6Prefix(cidr);
  return { name, net, mask };
});

/** IPv6 outside 2000::/3 (global unicast) that no rule above names. */
const V6_NOT_GLOBAL = 'reserved';

/** The range name when the address is unroutable, `undefined` when it is a public unicast address. */
export function unroutableRange(a: IpAddress): string | undefined {
  if (a.version === 4) {
    for (const r of V4_RULES) if ((a.v4 & r.mask) >>> 0 === r.net) return r.name;
    return undefined;
  }
  for (const r of V6_RULES) {
    if (
      (a.w0 & r.mask[0]) >>> 0 === r.net[0] &&
      (a.w1 & r.mask[1]) >>> 0 === r.net[1] &&
      (a.w2 & r.mask[2]) >>> 0 === r.net[2] &&
      (a.w3 & r.mask[3]) >>> 0 === r.net[3]
    ) {
      return r.name;
    }
  }
  return a.w0 >>> 29 === 1 ? undefined : V6_NOT_GLOBAL;
}
