import { isDeepStrictEqual } from 'node:util';
import { LRUCache } from 'lru-cache';
import type { ApprovalRecord, OrganizationRecord, Stored, UserRecord } from './subject.schema';

/** Decoded records kept per kind, so a busy subject is not rebuilt for every request it sends. */
const DECODED_KEPT = 1024;
const INITIAL_CAPACITY = 1024;
/** Interned values are stored as Uint16: a column with more distinct values than this keeps its records whole. */
const MAX_INTERNED = 0xffff;
const MAX_VERSION = 0xffffffff;

type Typed = Float64Array | Uint32Array | Uint16Array | Uint8Array;

function grown<T extends Typed>(column: T, capacity: number): T {
  const next = new (column.constructor as new (n: number) => T)(capacity);
  next.set(column);
  return next;
}

/** A column of few distinct strings (levels, countries, actors): each stored once, a record holds its number. */
export class Interner {
  private readonly ids = new Map<string, number>();
  /** 0 is "absent". */
  private readonly values: (string | undefined)[] = [undefined];

  /** The value's number, or -1 when the column is full (the record is then kept whole). */
  id(value: string | undefined): number {
    if (value === undefined) return 0;
    const known = this.ids.get(value);
    if (known !== undefined) return known;
    if (this.values.length > MAX_INTERNED) return -1;
    this.ids.set(value, this.values.length);
    this.values.push(value);
    return this.values.length - 1;
  }

  value(id: number): string | undefined {
    return this.values[id];
  }
}

const isDate = (d: unknown): d is Date => d instanceof Date && Number.isFinite(d.getTime());
const optionalDate = (d: unknown): boolean => d === undefined || isDate(d);
const optionalString = (s: unknown): boolean => s === undefined || typeof s === 'string';
const time = (d: Date | undefined): number => (d === undefined ? NaN : d.getTime());
const date = (t: number): Date | undefined => (Number.isNaN(t) ? undefined : new Date(t));
const onlyKeys = (o: object, keys: ReadonlySet<string>): boolean => Object.keys(o).every((k) => keys.has(k));

/** The value without its undefined members, at every depth: what the columns give back for it. */
function present<V>(value: V): V {
  if (value === null || typeof value !== 'object' || value instanceof Date || Array.isArray(value))
    return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = present(v);
  return out as V;
}

/** Sets the members whose value is defined, in order: a decoded record has exactly the keys the stored one had. */
function defined<T>(fields: [keyof T, unknown][]): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of fields) if (v !== undefined) out[k as string] = v;
  return out as T;
}

/**
 * One kind of registry record, packed in columns (typed arrays for numbers, dates and interned strings, plain arrays
 * for the strings that differ per record), one slot per record, found by id through one Map. A record the columns
 * cannot hold exactly (a field of an unexpected type or an unknown field, a full interner) is kept whole beside
 * them, so every record reads back exactly as it was stored (docs/performance.md, "A compact registry cache").
 */
export abstract class SubjectColumns<T> {
  private readonly slots = new Map<string, number>();
  private readonly free: number[] = [];
  private used = 0;
  protected capacity = INITIAL_CAPACITY;
  private version = new Uint32Array(INITIAL_CAPACITY);
  private updatedAt = new Float64Array(INITIAL_CAPACITY);
  private updatedBy = new Uint16Array(INITIAL_CAPACITY);
  /** The full read (epoch) that last saw or wrote the record: what a read did not see is gone from the database. */
  private seen = new Uint32Array(INITIAL_CAPACITY);
  private readonly actors = new Interner();
  private readonly whole = new Map<string, { stored: Stored<T>; seen: number }>();
  private readonly decoded = new LRUCache<string, Stored<T>>({ max: DECODED_KEPT });

  protected abstract fits(id: string, record: T): boolean;
  protected abstract write(slot: number, record: T): boolean;
  protected abstract read(slot: number, id: string): T;
  /** Drops the slot's references (strings, arrays) so that a freed slot holds nothing alive. */
  protected abstract clear(slot: number): void;
  protected abstract growTo(capacity: number): void;

  get size(): number {
    return this.slots.size + this.whole.size;
  }

  /** Records the columns could not hold and keep whole (expected 0; a metric of the odd data). */
  get wholeRecords(): number {
    return this.whole.size;
  }

  get(id: string): Stored<T> | null {
    const kept = this.decoded.get(id);
    if (kept !== undefined) return kept;
    const stored = this.decode(id);
    if (stored !== null) this.decoded.set(id, stored);
    return stored;
  }

  private decode(id: string): Stored<T> | null {
    const slot = this.slots.get(id);
    const stored =
      slot === undefined
        ? (this.whole.get(id)?.stored ?? null)
        : {
            record: this.read(slot, id),
            version: this.version[slot]!,
            updatedAt: new Date(this.updatedAt[slot]!),
            updatedBy: this.actors.value(this.updatedBy[slot]!)!,
          };
    return stored;
  }

  protected slotOf(id: string): number | undefined {
    return this.slots.get(id);
  }

  versionOf(id: string): number | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? this.whole.get(id)?.stored.version : this.version[slot];
  }

  /** Same version, time, actor and content as what is held for `id`. */
  holds(id: string, stored: Stored<T>): boolean {
    // decoded aside: a full read compares every record, and would push the busy subjects out of the decoded ones
    const held = this.decoded.peek(id) ?? this.decode(id);
    return held !== null && held.version === stored.version && isDeepStrictEqual(held, present(stored));
  }

  set(id: string, stored: Stored<T>, epoch: number): void {
    this.decoded.delete(id);
    const actor = this.actors.id(typeof stored.updatedBy === 'string' ? stored.updatedBy : undefined);
    const packable =
      actor > 0 &&
      Number.isInteger(stored.version) &&
      stored.version >= 0 &&
      stored.version <= MAX_VERSION &&
      isDate(stored.updatedAt) &&
      onlyKeys(stored, STORED_KEYS) &&
      this.fits(id, stored.record);
    let slot = this.slots.get(id);
    if (packable) {
      if (slot === undefined) slot = this.allocate(id);
      if (this.write(slot, stored.record)) {
        this.version[slot] = stored.version;
        this.updatedAt[slot] = stored.updatedAt.getTime();
        this.updatedBy[slot] = actor;
        this.seen[slot] = epoch;
        this.whole.delete(id);
        return;
      }
    }
    if (slot !== undefined) this.release(id, slot);
    this.whole.set(id, { stored, seen: epoch });
  }

  /** Marks the record as seen by the full read `epoch`. */
  touch(id: string, epoch: number): void {
    const slot = this.slots.get(id);
    if (slot !== undefined) this.seen[slot] = epoch;
    else {
      const kept = this.whole.get(id);
      if (kept) kept.seen = epoch;
    }
  }

  /** Removes every record the full read `epoch` did not see (deleted from the database). */
  sweep(epoch: number): void {
    for (const [id, slot] of this.slots) if (this.seen[slot] !== epoch) this.release(id, slot);
    for (const [id, kept] of this.whole) {
      if (kept.seen !== epoch) {
        this.whole.delete(id);
        this.decoded.delete(id);
      }
    }
  }

  private allocate(id: string): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (slot >= this.capacity) {
        this.capacity *= 2;
        this.version = grown(this.version, this.capacity);
        this.updatedAt = grown(this.updatedAt, this.capacity);
        this.updatedBy = grown(this.updatedBy, this.capacity);
        this.seen = grown(this.seen, this.capacity);
        this.growTo(this.capacity);
      }
    }
    this.slots.set(id, slot);
    return slot;
  }

  private release(id: string, slot: number): void {
    this.slots.delete(id);
    this.decoded.delete(id);
    this.clear(slot);
    this.free.push(slot);
  }
}

const STORED_KEYS: ReadonlySet<string> = new Set(['record', 'version', 'updatedAt', 'updatedBy']);
const USER_KEYS: ReadonlySet<string> = new Set([
  'userId',
  'level',
  'residenceCountry',
  'verifiedAt',
  'expiresAt',
  'organizationId',
  'name',
]);

/** Users: level and residence country interned, dates as epoch milliseconds (NaN: absent). */
export class UserColumns extends SubjectColumns<UserRecord> {
  private readonly levels = new Interner();
  private readonly countries = new Interner();
  private level = new Uint16Array(INITIAL_CAPACITY);
  private residenceCountry = new Uint16Array(INITIAL_CAPACITY);
  private verifiedAt = new Float64Array(INITIAL_CAPACITY);
  private expiresAt = new Float64Array(INITIAL_CAPACITY);
  private readonly organizationId: (string | undefined)[] = [];
  private readonly name: (string | undefined)[] = [];

  /** `sameString(id)` returns the organisation cache's own copy of an organisation id, so each is held once. */
  constructor(private readonly sameString: (organizationId: string) => string = (s) => s) {
    super();
  }

  protected fits(id: string, r: UserRecord): boolean {
    return (
      onlyKeys(r, USER_KEYS) &&
      r.userId === id &&
      typeof r.level === 'string' &&
      optionalString(r.residenceCountry) &&
      optionalDate(r.verifiedAt) &&
      optionalDate(r.expiresAt) &&
      optionalString(r.organizationId) &&
      optionalString(r.name)
    );
  }

  protected write(slot: number, r: UserRecord): boolean {
    const level = this.levels.id(r.level);
    const country = this.countries.id(r.residenceCountry);
    if (level < 0 || country < 0) return false;
    this.level[slot] = level;
    this.residenceCountry[slot] = country;
    this.verifiedAt[slot] = time(r.verifiedAt);
    this.expiresAt[slot] = time(r.expiresAt);
    this.organizationId[slot] =
      r.organizationId === undefined ? undefined : this.sameString(r.organizationId);
    this.name[slot] = r.name;
    return true;
  }

  protected read(slot: number, userId: string): UserRecord {
    return defined<UserRecord>([
      ['userId', userId],
      ['level', this.levels.value(this.level[slot]!)],
      ['residenceCountry', this.countries.value(this.residenceCountry[slot]!)],
      ['verifiedAt', date(this.verifiedAt[slot]!)],
      ['expiresAt', date(this.expiresAt[slot]!)],
      ['organizationId', this.organizationId[slot]],
      ['name', this.name[slot]],
    ]);
  }

  protected clear(slot: number): void {
    this.organizationId[slot] = undefined;
    this.name[slot] = undefined;
  }

  protected growTo(capacity: number): void {
    this.level = grown(this.level, capacity);
    this.residenceCountry = grown(this.residenceCountry, capacity);
    this.verifiedAt = grown(this.verifiedAt, capacity);
    this.expiresAt = grown(this.expiresAt, capacity);
  }
}

const ORGANIZATION_KEYS: ReadonlySet<string> = new Set([
  'organizationId',
  'legalName',
  'countryOfIncorporation',
  'parentName',
  'parentCountry',
  'foreignShare',
  'approval',
  'egressRanges',
]);
const APPROVAL_KEYS: ReadonlySet<string> = new Set([
  'approvalId',
  'approvedAt',
  'expiresAt',
  'revoked',
  'revokedAt',
]);
const HAS_APPROVAL = 1;
const REVOKED = 2;
/** One empty array for every organisation without egress ranges (most of them). */
const NO_RANGES: readonly string[] = Object.freeze([]);

/** Organisations: countries interned, the approval's flags and dates in typed columns, no egress ranges shared. */
export class OrganizationColumns extends SubjectColumns<OrganizationRecord> {
  private readonly countries = new Interner();
  /** Slot → the id as the Map holds it (users point at this copy, see UserColumns). */
  private readonly key: (string | undefined)[] = [];
  private readonly legalName: (string | undefined)[] = [];
  private readonly parentName: (string | undefined)[] = [];
  private readonly approvalId: (string | undefined)[] = [];
  private readonly egressRanges: (readonly string[] | undefined)[] = [];
  private countryOfIncorporation = new Uint16Array(INITIAL_CAPACITY);
  private parentCountry = new Uint16Array(INITIAL_CAPACITY);
  private foreignShare = new Float64Array(INITIAL_CAPACITY);
  private approval = new Uint8Array(INITIAL_CAPACITY);
  private approvedAt = new Float64Array(INITIAL_CAPACITY);
  private approvalExpiresAt = new Float64Array(INITIAL_CAPACITY);
  private revokedAt = new Float64Array(INITIAL_CAPACITY);
  /** This cache's own copy of `organizationId` when it holds that organisation, else the argument. */
  sameString(organizationId: string): string {
    const slot = this.slotOf(organizationId);
    return slot === undefined ? organizationId : (this.key[slot] ?? organizationId);
  }

  protected fits(id: string, r: OrganizationRecord): boolean {
    const a = r.approval as ApprovalRecord | undefined;
    return (
      onlyKeys(r, ORGANIZATION_KEYS) &&
      r.organizationId === id &&
      typeof r.legalName === 'string' &&
      typeof r.countryOfIncorporation === 'string' &&
      optionalString(r.parentName) &&
      optionalString(r.parentCountry) &&
      (r.foreignShare === undefined ||
        (typeof r.foreignShare === 'number' && !Number.isNaN(r.foreignShare))) &&
      (r.egressRanges === undefined ||
        (Array.isArray(r.egressRanges) && r.egressRanges.every((e) => typeof e === 'string'))) &&
      (a === undefined ||
        (typeof a === 'object' &&
          a !== null &&
          onlyKeys(a, APPROVAL_KEYS) &&
          typeof a.approvalId === 'string' &&
          isDate(a.approvedAt) &&
          optionalDate(a.expiresAt) &&
          typeof a.revoked === 'boolean' &&
          optionalDate(a.revokedAt)))
    );
  }

  protected write(slot: number, r: OrganizationRecord): boolean {
    const country = this.countries.id(r.countryOfIncorporation);
    const parentCountry = this.countries.id(r.parentCountry);
    if (country < 0 || parentCountry < 0) return false;
    const a = r.approval;
    // the Map's key for this slot: the id a user's organizationId is deduplicated against
    const own = this.key[slot] === r.organizationId ? this.key[slot] : r.organizationId;
    this.key[slot] = own;
    this.countryOfIncorporation[slot] = country;
    this.parentCountry[slot] = parentCountry;
    this.legalName[slot] = r.legalName;
    this.parentName[slot] = r.parentName;
    this.foreignShare[slot] = r.foreignShare ?? NaN;
    this.egressRanges[slot] =
      r.egressRanges === undefined ? undefined : r.egressRanges.length === 0 ? NO_RANGES : r.egressRanges;
    this.approval[slot] = a === undefined ? 0 : HAS_APPROVAL | (a.revoked ? REVOKED : 0);
    this.approvalId[slot] = a?.approvalId;
    this.approvedAt[slot] = time(a?.approvedAt);
    this.approvalExpiresAt[slot] = time(a?.expiresAt);
    this.revokedAt[slot] = time(a?.revokedAt);
    return true;
  }

  protected read(slot: number, organizationId: string): OrganizationRecord {
    const flags = this.approval[slot]!;
    const ranges = this.egressRanges[slot];
    return defined<OrganizationRecord>([
      ['organizationId', organizationId],
      ['legalName', this.legalName[slot]],
      ['countryOfIncorporation', this.countries.value(this.countryOfIncorporation[slot]!)],
      ['parentName', this.parentName[slot]],
      ['parentCountry', this.countries.value(this.parentCountry[slot]!)],
      ['foreignShare', Number.isNaN(this.foreignShare[slot]) ? undefined : this.foreignShare[slot]],
      [
        'approval',
        flags & HAS_APPROVAL
          ? defined<ApprovalRecord>([
              ['approvalId', this.approvalId[slot]],
              ['approvedAt', date(this.approvedAt[slot]!)],
              ['expiresAt', date(this.approvalExpiresAt[slot]!)],
              ['revoked', (flags & REVOKED) !== 0],
              ['revokedAt', date(this.revokedAt[slot]!)],
            ])
          : undefined,
      ],
      // a fresh array: a caller that changes it changes nothing held here
      ['egressRanges', ranges === undefined ? undefined : [...ranges]],
    ]);
  }

  protected clear(slot: number): void {
    this.key[slot] = undefined;
    this.legalName[slot] = undefined;
    this.parentName[slot] = undefined;
    this.approvalId[slot] = undefined;
    this.egressRanges[slot] = undefined;
  }

  protected growTo(capacity: number): void {
    this.countryOfIncorporation = grown(this.countryOfIncorporation, capacity);
    this.parentCountry = grown(this.parentCountry, capacity);
    this.foreignShare = grown(this.foreignShare, capacity);
    this.approval = grown(this.approval, capacity);
    this.approvedAt = grown(this.approvedAt, capacity);
    this.approvalExpiresAt = grown(this.approvalExpiresAt, capacity);
    this.revokedAt = grown(this.revokedAt, capacity);
  }
}
