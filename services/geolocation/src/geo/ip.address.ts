/**
 * A parsed, normalised address. IPv4 as one uint32; IPv6 as four uint32 words (big-endian), so range indexes
 * compare plain numbers and never need BigInt.
 */
export interface IpAddress {
  /** Normalised text: dotted quad for IPv4 (also for IPv4-mapped IPv6), RFC 5952 form for IPv6. */
  readonly text: string;
  readonly version: 4 | 6;
  /** IPv4 value as an unsigned 32-bit number; 0 for IPv6. */
  readonly v4: number;
  /** IPv6 words (w0 most significant); all 0 for IPv4. */
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
}

export class InvalidIpAddressError extends Error {
  constructor(readonly input: string) {
    super(`not an IP address: ${JSON.stringify(input.length > 64 ? `${input.slice(0, 64)}…` : input)}`);
    this.name = InvalidIpAddressError.name;
  }
}

const CODE_0 = 48;
const CODE_9 = 57;
const CODE_DOT = 46;

/**
 * Strict dotted-quad parser (no leading zeros, no hex/octal forms, exactly four parts), matching what ingest's
 * IsIP accepts; returns -1 when the text is not one. Hand-written because it runs once per address per event.
 */
export function parseIPv4(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? CODE_DOT : text.charCodeAt(i);
    if (c === CODE_DOT) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      parts++;
      if (parts > 4) return -1;
      part = 0;
      digits = 0;
    } else if (c >= CODE_0 && c <= CODE_9) {
      if (digits > 0 && part === 0) return -1; // leading zero: ambiguous (octal in some parsers)
      part = part * 10 + (c - CODE_0);
      digits++;
      if (digits > 3) return -1;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}

export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

function v4Address(value: number, text: string): IpAddress {
  return { text, version: 4, v4: value, w0: 0, w1: 0, w2: 0, w3: 0 };
}

const groups = new Uint16Array(8);

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Strict RFC 4291 text parser into the module's `groups` (no regex, no allocation): hex groups of 1–4 digits,
 * at most one `::`, an optional trailing dotted quad, an optional `%zone` (dropped). False when not IPv6.
 * Hand-written: ipaddr.js's parser costs ~5 µs, more than the whole database lookup.
 */
function parseIPv6Groups(input: string): boolean {
  const zone = input.indexOf('%');
  const end = zone >= 0 ? zone : input.length;
  if (end < 2 || end > 45) return false;
  if (zone >= 0 && !/^[0-9a-z]+$/i.test(input.slice(zone + 1))) return false;
  let n = 0;
  let gap = -1;
  let i = 0;
  if (input.charCodeAt(0) === 58) {
    if (input.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
    if (i === end) {
      groups.fill(0);
      return true;
    }
  }
  for (;;) {
    let value = 0;
    let digits = 0;
    const groupStart = i;
    while (i < end) {
      const h = hexValue(input.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      digits++;
      i++;
    }
    if (i < end && input.charCodeAt(i) === CODE_DOT) {
      // Embedded IPv4 in the last 32 bits.
      if (n > 6) return false;
      const v4 = parseIPv4(input.slice(groupStart, end));
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (digits === 0 || digits > 4 || n >= 8) return false;
    groups[n++] = value;
    if (i === end) break;
    if (input.charCodeAt(i) !== 58) return false;
    i++;
    if (input.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false;
    }
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false;
  const tail = n - gap;
  for (let k = 0; k < tail; k++) groups[7 - k] = groups[n - 1 - k]!;
  for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  return true;
}

/** RFC 5952 text of `groups`: lower-case hex, the longest run (≥ 2) of zero groups as `::`. */
function formatGroups(): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8;) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let m = k;
    while (m < 8 && groups[m] === 0) m++;
    if (m - k > bestLen) {
      bestStart = k;
      bestLen = m - k;
    }
    k = m;
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      out += '::';
      k += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += groups[k]!.toString(16);
  }
  return out;
}

/** Parses IPv4 or IPv6 text; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes the IPv4 address. */
export function parseIpAddress(input: string): IpAddress {
  const v4 = parseIPv4(input);
  if (v4 >= 0) return v4Address(v4, input);
  if (!parseIPv6Groups(input)) throw new InvalidIpAddressError(input);
  const g = groups;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const value = ((g[6]! << 16) | g[7]!) >>> 0;
    return v4Address(value, formatIPv4(value));
  }
  return {
    text: formatGroups(),
    version: 6,
    v4: 0,
    w0: ((g[0]! << 16) | g[1]!) >>> 0,
    w1: ((g[2]! << 16) | g[3]!) >>> 0,
    w2: ((g[4]! << 16) | g[5]!) >>> 0,
    w3: ((g[6]! << 16) | g[7]!) >>> 0,
  };
}

/** The IPv4 address an IPv6 transition address carries, as found by {@link embeddedIpv4}. */
export interface EmbeddedIpv4 {
  readonly kind: '6to4' | 'teredo' | 'nat64' | 'ipv4-compatible';
  /** The IPv4 address; undefined when the form is recognised but the address cannot be decoded. */
  readonly address: IpAddress | undefined;
  /** For Teredo, the Teredo server (RFC 4380): a real one is a public IPv4 address. */
  readonly server?: IpAddress;
}

/** An IPv4 IpAddress of a 32-bit value. */
export function ipv4Of(value: number): IpAddress {
  return v4Address(value >>> 0, formatIPv4(value >>> 0));
}

/**
 * Decodes the IPv4 address inside an IPv6 transition address; undefined for every other address. Integer
 * compares only, as it runs for every IPv6 address. IPv4-mapped (::ffff:0:0/96) never gets here: the parser
 * already unwrapped it.
 *
 * - 6to4, 2002::/16 (RFC 3056): bits 16–47.
 * - Teredo, 2001:0::/32 (RFC 4380): server in bits 32–63, client in bits 96–127 inverted ("obfuscated").
 * - NAT64 well-known prefix 64:ff9b::/96 (RFC 6052): bits 96–127.
 * - NAT64 local-use 64:ff9b:1::/48 (RFC 8215): the operator picks a prefix of /48 to /96 inside it, which
 *   moves the IPv4 bits; only the /96 layout (bits 48–95 zero) is unambiguous, every other is undecodable.
 * - IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1, deprecated): bits 96–127, except :: and ::1.
 */
export function embeddedIpv4(a: IpAddress): EmbeddedIpv4 | undefined {
  if (a.version !== 6) return undefined;
  const { w0, w1, w2, w3 } = a;
  if (w0 >>> 16 === 0x2002) return { kind: '6to4', address: ipv4Of(((w0 & 0xffff) << 16) | (w1 >>> 16)) };
  if (w0 === 0x20010000) return { kind: 'teredo', address: ipv4Of(~w3), server: ipv4Of(w1) };
  if (w0 === 0x0064ff9b) {
    if (w1 === 0 && w2 === 0) return { kind: 'nat64', address: ipv4Of(w3) };
    if (w1 >>> 16 === 1)
      return { kind: 'nat64', address: w1 === 0x10000 && w2 === 0 ? ipv4Of(w3) : undefined };
    return undefined;
  }
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 > 1) return { kind: 'ipv4-compatible', address: ipv4Of(w3) };
  return undefined;
}

/** Four big-endian uint32 words of an IPv6 text, for building indexes; throws on anything else. */
export function ipv6Words(text: string): [number, number, number, number] {
  if (!parseIPv6Groups(text)) throw new InvalidIpAddressError(text);
  const g = groups;
  return [
    ((g[0]! << 16) | g[1]!) >>> 0,
    ((g[2]! << 16) | g[3]!) >>> 0,
    ((g[4]! << 16) | g[5]!) >>> 0,
    ((g[6]! << 16) | g[7]!) >>> 0,
  ];
}

/** Lexicographic comparison of two IPv6 word tuples held in flat arrays. */
export function compareV6(
  a: ArrayLike<number>,
  ai: number,
  b0: number,
  b1: number,
  b2: number,
  b3: number,
): number {
  return a[ai]! - b0 || a[ai + 1]! - b1 || a[ai + 2]! - b2 || a[ai + 3]! - b3;
}
