import ipaddr from 'ipaddr.js';
import type { IpAddress } from './ip.address';
import { v6Prefix } from './unroutable.ranges';

export interface CidrEntry<T> {
  /** The CIDR as written in the source file, normalised by ipaddr.js. */
  readonly cidr: string;
  readonly value: T;
}

interface V6Entry<T> {
  net: readonly [number, number, number, number];
  mask: readonly [number, number, number, number];
  entry: CidrEntry<T>;
}

const NONE: readonly never[] = Object.freeze([]);

/** A CIDR as written, with a bare address read as /32 or /128; undefined when the text is neither. */
export function cidrOf(cidrText: string): string | undefined {
  const text = cidrText.trim();
  const withLength = text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`;
  return ipaddr.isValidCIDR(withLength) ? withLength : undefined;
}

/**
 * A set of possibly overlapping CIDRs with a value each. IPv4: one hash map per prefix length present, so a
 * lookup is at most 33 masked map probes with no allocation when nothing matches. IPv6: a linear scan, as
 * operator and anonymizer IPv6 lists are short.
 */
export class CidrSet<T> {
  private readonly v4ByLength = new Map<number, Map<number, CidrEntry<T>[]>>();
  private v4Lengths: number[] = [];
  private readonly v6: V6Entry<T>[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a CIDR (a bare address counts as /32 or /128); throws on text that is neither. */
  add(cidrText: string, value: T): void {
    const withLength = cidrOf(cidrText);
    if (withLength === undefined) throw new Error(`not a CIDR: ${JSON.stringify(cidrText)}`);
    const [addr, bits] = ipaddr.parseCIDR(withLength);
    const v4 = addr.kind() === 'ipv4' ? (addr as ipaddr.IPv4) : undefined;
    const mapped = !v4 && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96;
    if (v4 || mapped) {
      const a4 = v4 ?? (addr as ipaddr.IPv6).toIPv4Address();
      const len = mapped ? bits - 96 : bits;
      const b = a4.toByteArray();
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
      const net = ((((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) & mask) >>> 0;
      let byNet = this.v4ByLength.get(len);
      if (!byNet) {
        byNet = new Map();
        this.v4ByLength.set(len, byNet);
        this.v4Lengths = [...this.v4ByLength.keys()].sort((x, y) => y - x);
      }
      const entry = { cidr: `${ipaddr.fromByteArray(intBytes(net)).toString()}/${len}`, value };
      const list = byNet.get(net);
      if (list) list.push(entry);
      else byNet.set(net, [entry]);
    } else {
      const [net, mask] = v6Prefix(withLength);
      this.v6.push({ net, mask, entry: { cidr: `${addr.toString()}/${bits}`, value } });
    }
    this.count++;
  }

  /** Every entry containing the address (IPv4: most specific first); a shared empty array when none. */
  match(a: IpAddress): readonly CidrEntry<T>[] {
    if (this.count === 0) return NONE;
    let out: CidrEntry<T>[] | undefined;
    if (a.version === 4) {
      for (const len of this.v4Lengths) {
        const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
        const hit = this.v4ByLength.get(len)!.get((a.v4 & mask) >>> 0);
        if (hit) (out ??= []).push(...hit);
      }
    } else {
      for (const e of this.v6) {
        if (
          (a.w0 & e.mask[0]) >>> 0 === e.net[0] &&
          (a.w1 & e.mask[1]) >>> 0 === e.net[1] &&
          (a.w2 & e.mask[2]) >>> 0 === e.net[2] &&
          (a.w3 & e.mask[3]) >>> 0 === e.net[3]
        ) {
          (out ??= []).push(e.entry);
        }
      }
    }
    return out ?? NONE;
  }
}

function intBytes(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}
