import { parseIpAddress, type IpAddress } from './ip.address';

const NONE: readonly never[] = Object.freeze([]);
const MASK32 = 0xffffffffn;
const BUCKETS = 65536;

interface Span<K, T> {
  lo: K;
  hi: K;
  value: T;
}

/**
 * `[lo, hi]` of a CIDR (a bare address is a /32 or /128): IPv4 as plain numbers, IPv6 as BigInt (only at
 * build time). IPv4-mapped IPv6 CIDRs count as IPv4. Uses the stage's own strict parser, which is also much
 * faster than ipaddr.js on tens of thousands of lines.
 */
function spanOf(
  cidrText: string,
): { v4: true; lo: number; hi: number } | { v4: false; lo: bigint; hi: bigint } {
  const text = cidrText.trim();
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? undefined : text.slice(slash + 1);
  const bad = (): never => {
    throw new Error(`not a CIDR: ${JSON.stringify(cidrText.slice(0, 64))}`);
  };
  if (addrText.includes('%') || (lenText !== undefined && !/^\d{1,3}$/.test(lenText))) bad();
  let a: IpAddress;
  try {
    a = parseIpAddress(addrText);
  } catch {
    return bad();
  }
  const mapped = a.version === 4 && addrText.includes(':');
  const width = a.version === 4 && !mapped ? 32 : 128;
  let len = lenText === undefined ? width : Number(lenText);
  if (len > width) bad();
  if (mapped) {
    if (len < 96) bad(); // a mapped prefix shorter than /96 is not an IPv4 range
    len -= 96;
  }
  if (a.version === 4) {
    const size = 2 ** (32 - len);
    const lo = Math.floor(a.v4 / size) * size;
    return { v4: true, lo, hi: lo + size - 1 };
  }
  const value = (BigInt(a.w0) << 96n) | (BigInt(a.w1) << 64n) | (BigInt(a.w2) << 32n) | BigInt(a.w3);
  const host = (1n << BigInt(128 - len)) - 1n;
  const lo = value & ~host;
  return { v4: false, lo, hi: lo | host };
}

/** Disjoint `[lo, hi]` pieces of overlapping spans, each with the values of every span covering it. */
function disjoint<K extends number | bigint, T>(
  spans: Span<K, T>[],
  next: (k: K) => K,
  prev: (k: K) => K,
): { lo: K; hi: K; values: readonly T[] }[] {
  const events: { at: K; add: boolean; id: number }[] = [];
  spans.forEach((s, id) => {
    events.push({ at: s.lo, add: true, id });
    events.push({ at: next(s.hi), add: false, id });
  });
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const active = new Set<number>();
  const shared = new Map<string, readonly T[]>();
  const out: { lo: K; hi: K; values: readonly T[] }[] = [];
  for (let i = 0; i < events.length;) {
    const at = events[i]!.at;
    while (i < events.length && events[i]!.at === at) {
      const e = events[i++]!;
      if (e.add) active.add(e.id);
      else active.delete(e.id);
    }
    if (active.size === 0 || i >= events.length) continue;
    const ids = active.size === 1 ? [...active] : [...active].sort((a, b) => a - b);
    const key = ids.length === 1 ? String(ids[0]) : ids.join(',');
    let values = shared.get(key);
    if (!values) {
      values = Object.freeze(ids.map((id) => spans[id]!.value));
      shared.set(key, values);
    }
    out.push({ lo: at, hi: prev(events[i]!.at), values });
  }
  return out;
}

/** `bucket[b]` = how many ranges start below `b << 16` (b = 0..65536): narrows every search to one /16. */
function buckets(count: number, top16: (i: number) => number): Uint32Array {
  const out = new Uint32Array(BUCKETS + 1);
  let i = 0;
  for (let b = 0; b <= BUCKETS; b++) {
    while (i < count && top16(i) < b) i++;
    out[b] = i;
  }
  return out;
}

/**
 * A large, read-only set of possibly overlapping CIDRs (tens of thousands, as the published VPN and datacenter
 * lists are), flattened at build time into sorted disjoint ranges in typed arrays: one binary search per
 * lookup, whatever the prefix lengths, and no allocation (every range's value list is built once).
 * Small operator lists that need the matching CIDR's text stay in CidrSet.
 */
export class RangeIndex<T> {
  private constructor(
    private readonly v4Lo: Uint32Array,
    private readonly v4Hi: Uint32Array,
    private readonly v4Values: readonly (readonly T[])[],
    private readonly v4Buckets: Uint32Array,
    /** Four words per range, most significant first. */
    private readonly v6Lo: Uint32Array,
    private readonly v6Hi: Uint32Array,
    private readonly v6Values: readonly (readonly T[])[],
    private readonly v6Buckets: Uint32Array,
    /** CIDRs the index was built from. */
    readonly size: number,
    readonly v4Count: number,
    readonly v6Count: number,
  ) {}

  static empty<T>(): RangeIndex<T> {
    return RangeIndex.build<T>([]);
  }

  /** Builds from `[cidr, value]` pairs; throws on the first text that is not a CIDR, naming it. */
  static build<T>(entries: Iterable<readonly [string, T]>): RangeIndex<T> {
    const v4: Span<number, T>[] = [];
    const v6: Span<bigint, T>[] = [];
    for (const [cidr, value] of entries) {
      const s = spanOf(cidr);
      if (s.v4) v4.push({ lo: s.lo, hi: s.hi, value });
      else v6.push({ lo: s.lo, hi: s.hi, value });
    }
    const a = disjoint(
      v4,
      (k) => k + 1,
      (k) => k - 1,
    );
    const b = disjoint(
      v6,
      (k) => k + 1n,
      (k) => k - 1n,
    );
    const v4Lo = new Uint32Array(a.length);
    const v4Hi = new Uint32Array(a.length);
    a.forEach((r, i) => {
      v4Lo[i] = r.lo;
      v4Hi[i] = Math.min(r.hi, 0xffffffff);
    });
    const v6Lo = new Uint32Array(b.length * 4);
    const v6Hi = new Uint32Array(b.length * 4);
    b.forEach((r, i) => {
      for (let w = 0; w < 4; w++) {
        const shift = BigInt(96 - 32 * w);
        v6Lo[i * 4 + w] = Number((r.lo >> shift) & MASK32);
        v6Hi[i * 4 + w] = Number((r.hi >> shift) & MASK32);
      }
    });
    return new RangeIndex(
      v4Lo,
      v4Hi,
      a.map((r) => r.values),
      buckets(a.length, (i) => v4Lo[i]! >>> 16),
      v6Lo,
      v6Hi,
      b.map((r) => r.values),
      buckets(b.length, (i) => v6Lo[i * 4]! >>> 16),
      v4.length + v6.length,
      v4.length,
      v6.length,
    );
  }

  /** The values of every CIDR containing the address; a shared empty array when none. */
  lookup(a: IpAddress): readonly T[] {
    return a.version === 4 ? this.lookupV4(a.v4) : this.lookupV6(a.w0, a.w1, a.w2, a.w3);
  }

  private lookupV4(x: number): readonly T[] {
    const lo = this.v4Lo;
    const b = x >>> 16;
    // the last range starting at or below x is at most the last one starting in x's /16, at least the one before
    let left = this.v4Buckets[b]!;
    let right = this.v4Buckets[b + 1]! - 1;
    let found = left - 1;
    while (left <= right) {
      const mid = (left + right) >>> 1;
      if (lo[mid]! <= x) {
        found = mid;
        left = mid + 1;
      } else {
        right = mid - 1;
      }
    }
    return found >= 0 && x <= this.v4Hi[found]! ? this.v4Values[found]! : NONE;
  }

  private lookupV6(w0: number, w1: number, w2: number, w3: number): readonly T[] {
    const lo = this.v6Lo;
    const b = w0 >>> 16;
    let left = this.v6Buckets[b]!;
    let right = this.v6Buckets[b + 1]! - 1;
    let found = left - 1;
    while (left <= right) {
      const mid = (left + right) >>> 1;
      const i = mid * 4;
      if ((lo[i]! - w0 || lo[i + 1]! - w1 || lo[i + 2]! - w2 || lo[i + 3]! - w3) <= 0) {
        found = mid;
        left = mid + 1;
      } else {
        right = mid - 1;
      }
    }
    if (found < 0) return NONE;
    const hi = this.v6Hi;
    const i = found * 4;
    return (w0 - hi[i]! || w1 - hi[i + 1]! || w2 - hi[i + 2]! || w3 - hi[i + 3]!) <= 0
      ? this.v6Values[found]!
      : NONE;
  }
}
