import ipaddr from 'ipaddr.js';
import type { IpAddress } from './ip.address';

const NONE: readonly never[] = Object.freeze([]);
const V4_LIMIT = 1n << 32n;
const MASK32 = 0xffffffffn;

interface Span<T> {
  lo: bigint;
  hi: bigint;
  value: T;
}

/** `[lo, hi]` of a CIDR as integers; IPv4-mapped IPv6 CIDRs count as IPv4. */
function spanOf(cidrText: string): { v4: boolean; lo: bigint; hi: bigint } {
  const text = cidrText.trim();
  const withLength = text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`;
  if (!ipaddr.isValidCIDR(withLength))
    throw new Error(`not a CIDR: ${JSON.stringify(cidrText.slice(0, 64))}`);
  const [addr, bits] = ipaddr.parseCIDR(withLength);
  let v4 = addr.kind() === 'ipv4';
  let bytes = addr.toByteArray();
  let width = v4 ? 32 : 128;
  let len = bits;
  if (!v4 && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    v4 = true;
    bytes = bytes.slice(12);
    width = 32;
    len = bits - 96;
  }
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  const host = (1n << BigInt(width - len)) - 1n;
  const lo = value & ~host;
  return { v4, lo, hi: lo | host };
}

/** Disjoint `[lo, hi]` pieces of overlapping spans, each with the values of every span covering it. */
function disjoint<T>(spans: Span<T>[]): { lo: bigint; hi: bigint; values: readonly T[] }[] {
  const events: { at: bigint; add: boolean; id: number }[] = [];
  spans.forEach((s, id) => {
    events.push({ at: s.lo, add: true, id });
    events.push({ at: s.hi + 1n, add: false, id });
  });
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const active = new Set<number>();
  const shared = new Map<string, readonly T[]>();
  const out: { lo: bigint; hi: bigint; values: readonly T[] }[] = [];
  for (let i = 0; i < events.length;) {
    const at = events[i]!.at;
    while (i < events.length && events[i]!.at === at) {
      const e = events[i++]!;
      if (e.add) active.add(e.id);
      else active.delete(e.id);
    }
    if (active.size === 0 || i >= events.length) continue;
    const ids = [...active].sort((a, b) => a - b);
    const key = ids.join(',');
    let values = shared.get(key);
    if (!values) {
      values = Object.freeze(ids.map((id) => spans[id]!.value));
      shared.set(key, values);
    }
    out.push({ lo: at, hi: events[i]!.at - 1n, values });
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
    /** Four words per range, most significant first. */
    private readonly v6Lo: Uint32Array,
    private readonly v6Hi: Uint32Array,
    private readonly v6Values: readonly (readonly T[])[],
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
    const v4: Span<T>[] = [];
    const v6: Span<T>[] = [];
    for (const [cidr, value] of entries) {
      const s = spanOf(cidr);
      (s.v4 ? v4 : v6).push({ lo: s.lo, hi: s.hi, value });
    }
    const a = disjoint(v4);
    const b = disjoint(v6);
    const v4Lo = new Uint32Array(a.length);
    const v4Hi = new Uint32Array(a.length);
    a.forEach((r, i) => {
      v4Lo[i] = Number(r.lo);
      v4Hi[i] = Number(r.hi < V4_LIMIT ? r.hi : V4_LIMIT - 1n);
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
      v6Lo,
      v6Hi,
      b.map((r) => r.values),
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
    let left = 0;
    let right = lo.length - 1;
    let found = -1;
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
    let left = 0;
    let right = lo.length / 4 - 1;
    let found = -1;
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
