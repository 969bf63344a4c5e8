import { compareV6, parseIPv4, ipv6Words, type IpAddress } from './ip.address';

export interface AsnInfo {
  readonly asn: number;
  readonly organization: string;
}

/**
 * IP → ASN over sorted, non-overlapping inclusive ranges held in typed arrays; one binary search per lookup and
 * no allocation (the AsnInfo objects are built once per distinct ASN/name at load).
 */
export class AsnIndex {
  private constructor(
    private readonly v4Starts: Uint32Array,
    private readonly v4Ends: Uint32Array,
    private readonly v4Info: Uint32Array,
    private readonly v6Starts: Uint32Array,
    private readonly v6Ends: Uint32Array,
    private readonly v6Info: Uint32Array,
    private readonly infos: readonly AsnInfo[],
    /** IPv4 rows whose end was cut back because the next row started inside them. */
    readonly clippedRows: number,
  ) {
    // v4Buckets[h] = index of the first row starting at or after h << 16.
    this.v4Buckets = new Uint32Array(65537);
    let row = 0;
    for (let h = 0; h <= 65536; h++) {
      while (row < v4Starts.length && v4Starts[row]! < h * 65536) row++;
      this.v4Buckets[h] = row;
    }
    // Same for IPv6 by the first 16 bits.
    this.v6Buckets = new Uint32Array(65537);
    row = 0;
    const v6Rows = v6Starts.length / 4;
    for (let h = 0; h <= 65536; h++) {
      while (row < v6Rows && v6Starts[row * 4]! < h * 65536) row++;
      this.v6Buckets[h] = row;
    }
  }

  private readonly v4Buckets: Uint32Array;
  private readonly v6Buckets: Uint32Array;

  get size(): { v4: number; v6: number } {
    return { v4: this.v4Starts.length, v6: this.v6Starts.length / 4 };
  }

  lookup(a: IpAddress): AsnInfo | undefined {
    return a.version === 4 ? this.lookupV4(a.v4) : this.lookupV6(a.w0, a.w1, a.w2, a.w3);
  }

  private lookupV4(x: number): AsnInfo | undefined {
    const starts = this.v4Starts;
    // The /16 bucket narrows the search to the few rows that start near x (one cache miss, not nineteen).
    const h = x >>> 16;
    let lo = Math.max(0, this.v4Buckets[h]! - 1);
    let hi = this.v4Buckets[h + 1]! - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= x) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && x <= this.v4Ends[found]! ? this.infos[this.v4Info[found]!] : undefined;
  }

  private lookupV6(w0: number, w1: number, w2: number, w3: number): AsnInfo | undefined {
    const starts = this.v6Starts;
    const h = w0 >>> 16;
    let lo = Math.max(0, this.v6Buckets[h]! - 1);
    let hi = this.v6Buckets[h + 1]! - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareV6(starts, mid * 4, w0, w1, w2, w3) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && compareV6(this.v6Ends, found * 4, w0, w1, w2, w3) >= 0
      ? this.infos[this.v6Info[found]!]
      : undefined;
  }

  /**
   * Builds the index from ip-location-db `asn-ipv4.csv` / `asn-ipv6.csv` text
   * (`range_start,range_end,asn,"organization"`, addresses as text, rows sorted by start).
   */
  static fromCsv(v4Csv: string, v6Csv: string): AsnIndex {
    const infos: AsnInfo[] = [];
    // Keyed by ASN first: nearly every ASN has one name, so no key string is built per row.
    const infoIds = new Map<number, number[]>();
    const intern = (asn: number, organization: string): number => {
      let ids = infoIds.get(asn);
      if (ids === undefined) {
        ids = [];
        infoIds.set(asn, ids);
      }
      for (const id of ids) if (infos[id]!.organization === organization) return id;
      const id = infos.length;
      infos.push(Object.freeze({ asn, organization }));
      ids.push(id);
      return id;
    };

    let clipped = 0;
    const v4Rows = countLines(v4Csv);
    const v4Starts = new Uint32Array(v4Rows);
    const v4Ends = new Uint32Array(v4Rows);
    const v4Info = new Uint32Array(v4Rows);
    let n4 = 0;
    forEachRow(v4Csv, (start, end, asn, org, line) => {
      const s = parseIPv4(start);
      const e = parseIPv4(end);
      if (s < 0 || e < s) throw new Error(`asn ipv4 csv line ${line}: bad range ${start}-${end}`);
      if (n4 > 0 && s < v4Starts[n4 - 1]!) throw new Error(`asn ipv4 csv line ${line}: not sorted`);
      // The published data has the odd overlapping row: the later, more specific row wins its addresses.
      if (n4 > 0 && s <= v4Ends[n4 - 1]!) {
        v4Ends[n4 - 1] = s - 1;
        clipped++;
      }
      v4Starts[n4] = s;
      v4Ends[n4] = e;
      v4Info[n4] = intern(asn, org);
      n4++;
    });

    const v6Rows = countLines(v6Csv);
    const v6Starts = new Uint32Array(v6Rows * 4);
    const v6Ends = new Uint32Array(v6Rows * 4);
    const v6Info = new Uint32Array(v6Rows);
    let n6 = 0;
    forEachRow(v6Csv, (start, end, asn, org, line) => {
      const s = ipv6Words(start);
      const e = ipv6Words(end);
      if (n6 > 0 && compareV6(v6Starts, (n6 - 1) * 4, s[0], s[1], s[2], s[3]) > 0) {
        throw new Error(`asn ipv6 csv line ${line}: not sorted`);
      }
      if (n6 > 0 && compareV6(v6Ends, (n6 - 1) * 4, s[0], s[1], s[2], s[3]) >= 0) {
        throw new Error(`asn ipv6 csv line ${line}: overlaps the row before`);
      }
      v6Starts.set(s, n6 * 4);
      v6Ends.set(e, n6 * 4);
      v6Info[n6] = intern(asn, org);
      n6++;
    });

    return new AsnIndex(
      v4Starts.subarray(0, n4),
      v4Ends.subarray(0, n4),
      v4Info.subarray(0, n4),
      v6Starts.subarray(0, n6 * 4),
      v6Ends.subarray(0, n6 * 4),
      v6Info.subarray(0, n6),
      infos,
      clipped,
    );
  }

  /** An index that knows no address (used when a MaxMind ASN database replaces the CSVs). */
  static empty(): AsnIndex {
    return AsnIndex.fromCsv('', '');
  }
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function forEachRow(
  text: string,
  row: (start: string, end: string, asn: number, organization: string, line: number) => void,
): void {
  let line = 0;
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    line++;
    const raw = text.charCodeAt(eol - 1) === 13 ? text.slice(pos, eol - 1) : text.slice(pos, eol);
    pos = eol + 1;
    if (raw.length === 0) continue;
    const c1 = raw.indexOf(',');
    const c2 = raw.indexOf(',', c1 + 1);
    const c3 = raw.indexOf(',', c2 + 1);
    if (c1 < 0 || c2 < 0 || c3 < 0) throw new Error(`asn csv line ${line}: expected 4 fields`);
    const asn = Number(raw.slice(c2 + 1, c3));
    if (!Number.isInteger(asn) || asn < 0) throw new Error(`asn csv line ${line}: bad ASN`);
    row(raw.slice(0, c1), raw.slice(c1 + 1, c2), asn, unquote(raw.slice(c3 + 1)), line);
  }
}

/** CSV field unquoting that tolerates the truncated names (an opening quote, no closing one) the data has. */
export function unquote(field: string): string {
  if (field.charCodeAt(0) !== 34) return field;
  let out = '';
  for (let i = 1; i < field.length; i++) {
    const c = field[i]!;
    if (c !== '"') out += c;
    else if (field[i + 1] === '"') out += field[++i]!;
    else break;
  }
  return out;
}
