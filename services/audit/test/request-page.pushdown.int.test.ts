import mongoose, { type FilterQuery } from 'mongoose';
import { buildRequestFilter, type PageCursor } from '../src/api/request-filter.builder';
import type { RequestFilterDto } from '../src/api/request-filter.dto';
import type { RequestRecord } from '../src/store/projection/request-record.schema';
import { openStoreHarness, type StoreHarness } from './audit-store.harness';

/**
 * The auditor's filtered pages against the real database (FerretDB with our patches here, MongoDB in production):
 * the same answers whether the database may narrow the string equalities in SQL or not. Our FerretDB build pushes a
 * plain string equality (`outcome: "deny"`) down to SQLite as a superset predicate (docs/operations.md, patch 5),
 * and not an operator document (`outcome: {$eq: "deny"}`), which MongoDB matches the same way: so each page is
 * asked both ways, and checked against MongoDB's rule computed here (a field equal to the string, or an array
 * holding it). Among the records are ones that hold the filtered fields as arrays, numbers, null, documents,
 * missing, and strings with characters JSON escapes — written with the driver, past the schema, as only a
 * hand-made or legacy record could be.
 */
describe('auditor pages with the string equalities pushed down (real database)', () => {
  let h: StoreHarness;
  const base = Date.UTC(2026, 10, 20);
  const OUTCOMES = ['allow', 'allow', 'deny', 'challenge'];
  const COUNTRIES = ['US', 'DE', 'IR', 'CN'];
  const REASONS = ['ALLOW_STANDARD', 'NET_VPN', 'GEO_EMBARGOED_COUNTRY'];
  const docs: Record<string, unknown>[] = [];

  const record = (i: number, over: Record<string, unknown> = {}): Record<string, unknown> => {
    const time = new Date(base - i * 60_000);
    return {
      _id: `req-${String(i).padStart(5, '0')}`,
      time,
      hour: time.toISOString().slice(0, 13),
      day: time.toISOString().slice(0, 10),
      userId: `user-${i % 7}`,
      country: COUNTRIES[i % COUNTRIES.length],
      outcome: OUTCOMES[i % OUTCOMES.length],
      reasons: [REASONS[i % REASONS.length]],
      model: i % 3 === 0 ? 'frontier-1' : 'standard-1',
      decisionEventId: `evt-${i}`,
      storedAt: new Date(base),
      ...over,
    };
  };

  // what MongoDB matches for these filters: every field equal to the string, or an array holding it, in the range
  const matches = (d: Record<string, unknown>, eq: Record<string, string>, from?: Date, to?: Date): boolean =>
    Object.entries(eq).every(([f, v]) => {
      const x = d[f];
      return x === v || (Array.isArray(x) && x.includes(v));
    }) &&
    (from === undefined || (d['time'] as Date) >= from) &&
    (to === undefined || (d['time'] as Date) < to);
  const newestFirst = (a: Record<string, unknown>, b: Record<string, unknown>): number => {
    const t = (b['time'] as Date).getTime() - (a['time'] as Date).getTime();
    return t !== 0 ? t : String(b['_id']) < String(a['_id']) ? -1 : 1;
  };

  // the same filter with every plain string equality written as $eq, which our FerretDB does not push down
  const withoutPushdown = (filter: FilterQuery<RequestRecord>): FilterQuery<RequestRecord> =>
    Object.fromEntries(
      Object.entries(filter).map(([k, v]) => [k, typeof v === 'string' ? mongoose.trusted({ $eq: v }) : v]),
    ) as FilterQuery<RequestRecord>;

  const ids = (rows: readonly { _id?: unknown }[]) => rows.map((r) => String(r._id));

  /** Every page of a filter, 5 records at a time through the API's cursor, as the auditor would walk them. */
  const allPages = async (
    q: RequestFilterDto,
    shape: (f: FilterQuery<RequestRecord>) => FilterQuery<RequestRecord>,
  ): Promise<string[]> => {
    const out: string[] = [];
    let cursor: PageCursor | undefined;
    for (let n = 0; n < 200; n++) {
      const rows = await h.requests.page(shape(buildRequestFilter(q, cursor)), 5);
      out.push(...ids(rows));
      if (rows.length < 5) return out;
      const last = rows[rows.length - 1]!;
      cursor = { time: last.time, requestId: last._id };
    }
    throw new Error('more than 200 pages');
  };

  beforeAll(async () => {
    h = await openStoreHarness('audit_pushdown_it');
    for (let i = 0; i < 240; i++) docs.push(record(i));
    // the filtered fields held otherwise than as one plain string, inside the ranges the pages ask for
    const odd: Record<string, unknown>[] = [
      { outcome: ['deny'] },
      { outcome: ['allow', 'deny'], country: ['IR', 'US'] },
      { outcome: [] },
      { outcome: null },
      { outcome: undefined },
      { outcome: 1 },
      { outcome: true },
      { outcome: { deny: 1 } },
      { outcome: '{"deny":1}' },
      { outcome: 'deny ' },
      { outcome: 'Deny' },
      { userId: 'user-<&>"\\\n\t-1' },
      { userId: ['user-<&>"\\\n\t-1', 'user-0'] },
      { userId: 'usér-ü-😀' },
      { userId: 'user-\u2028-2' },
      { country: new Date(base) },
      { country: ['IR'] },
      { reasons: 'NET_VPN' },
      { reasons: [] },
      { model: ['frontier-1', 'standard-1'] },
    ];
    odd.forEach((over, k) => {
      const d = record(1000 + k, { time: new Date(base - (k * 7 + 3) * 60_000 - 30_000), ...over });
      if (over['outcome'] === undefined && 'outcome' in over) delete d['outcome'];
      docs.push(d);
    });
    await h.connection.collection('audit_requests').insertMany(docs as never[], { ordered: false });
  });

  afterAll(async () => {
    await h?.close();
  });

  const from = new Date(base - 150 * 60_000);
  const to = new Date(base - 10 * 60_000);
  const filters: [string, Record<string, string>, RequestFilterDto][] = [
    [
      'outcome + range',
      { outcome: 'deny' },
      { outcome: 'deny', from: from.toISOString(), to: to.toISOString() },
    ],
    ['outcome (allow) + range', { outcome: 'allow' }, { outcome: 'allow', from: from.toISOString() }],
    ['outcome, no range', { outcome: 'deny' }, { outcome: 'deny' }],
    ['userId with escaped characters', { userId: 'user-<&>"\\\n\t-1' }, { userId: 'user-<&>"\\\n\t-1' }],
    ['userId, unicode', { userId: 'usér-ü-😀' }, { userId: 'usér-ü-😀', to: to.toISOString() }],
    ['userId, U+2028', { userId: 'user-\u2028-2' }, { userId: 'user-\u2028-2' }],
    ['userId', { userId: 'user-0' }, { userId: 'user-0', from: from.toISOString() }],
    [
      'country + outcome + range',
      { country: 'IR', outcome: 'deny' },
      { country: 'IR', outcome: 'deny', to: to.toISOString() },
    ],
    ['country', { country: 'IR' }, { country: 'IR' }],
    [
      'reason (an array field) + outcome',
      { reasons: 'NET_VPN', outcome: 'deny' },
      { reason: 'NET_VPN', outcome: 'deny' },
    ],
    ['model + range', { model: 'standard-1' }, { model: 'standard-1', from: from.toISOString() }],
    ['a user that no record has', { userId: 'nobody' }, { userId: 'nobody', from: from.toISOString() }],
  ];

  it.each(filters)('%s: the first page is MongoDB’s answer, pushed down or not', async (_, eq, q) => {
    const expected = ids(
      docs
        .filter((d) =>
          matches(d, eq, q.from ? new Date(q.from) : undefined, q.to ? new Date(q.to) : undefined),
        )
        .sort(newestFirst)
        .slice(0, 51),
    );
    const pushed = ids(await h.requests.page(buildRequestFilter(q), 51));
    const notPushed = ids(await h.requests.page(withoutPushdown(buildRequestFilter(q)), 51));
    expect(notPushed).toEqual(expected);
    expect(pushed).toEqual(expected);
  });

  it.each(filters)('%s: every page through the cursor, pushed down or not', async (_, eq, q) => {
    const expected = ids(
      docs
        .filter((d) =>
          matches(d, eq, q.from ? new Date(q.from) : undefined, q.to ? new Date(q.to) : undefined),
        )
        .sort(newestFirst),
    );
    expect(await allPages(q, withoutPushdown)).toEqual(expected);
    expect(await allPages(q, (f) => f)).toEqual(expected);
  });

  it('returns the records whose field is an array holding the value (MongoDB’s equality)', async () => {
    const rows = await h.requests.page(buildRequestFilter({ outcome: 'deny', country: 'IR' }), 51);
    const arrays = rows.filter((r) => Array.isArray(r.outcome) || Array.isArray(r.country));
    expect(arrays.map((r) => [r.outcome, r.country])).toEqual([
      [
        ['allow', 'deny'],
        ['IR', 'US'],
      ],
    ]);
    const byArray = await h.requests.page(buildRequestFilter({ userId: 'user-<&>"\\\n\t-1' }), 51);
    expect(byArray.map((r) => r.userId)).toEqual(
      expect.arrayContaining(['user-<&>"\\\n\t-1', ['user-<&>"\\\n\t-1', 'user-0']]),
    );
  });

  it('counts, deletes and updates by a string equality the way MongoDB does', async () => {
    const coll = h.connection.collection('audit_requests');
    const expected = docs.filter((d) => matches(d, { outcome: 'deny' })).length;
    expect(await coll.countDocuments({ outcome: 'deny' })).toBe(expected);
    expect(await coll.countDocuments({ outcome: { $eq: 'deny' } })).toBe(expected);
    const gone = [
      record(5000, { _id: 'gone-1', outcome: 'gone' }),
      record(5001, { _id: 'gone-2', outcome: ['x', 'gone'] }),
      record(5002, { _id: 'gone-3', outcome: 'gone!' }),
    ];
    await coll.insertMany(gone as never[]);
    expect((await coll.updateMany({ outcome: 'gone' }, { $set: { model: 'updated' } })).modifiedCount).toBe(
      2,
    );
    expect(await coll.countDocuments({ model: 'updated' })).toBe(2);
    expect((await coll.deleteMany({ outcome: 'gone' })).deletedCount).toBe(2);
    expect(
      (await coll.find({ _id: { $in: ['gone-1', 'gone-2', 'gone-3'] } as never }).toArray()).map(
        (d) => d._id,
      ),
    ).toEqual(['gone-3']);
  });
});
