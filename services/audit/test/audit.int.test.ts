import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { ACCESS_TOPICS, Topics, type AccessDecidedV1 } from '@clearance/contracts';
import {
  aDeadLetter,
  aRequestChain,
  type RequestChainOptions,
  TestKafka,
  pollUntil,
  spawnService,
  uniqueTopicPrefix,
  type ServiceProcess,
} from '@clearance/testing';
import { bearerTokenHash as hashToken } from '@clearance/platform';
import { AuditApiClient } from './audit-api.client';
import { mongoUriFor } from './audit-store.harness';

// Real broker, real FerretDB, the audit service as its own process: what an auditor and the pipeline see.
interface Page {
  items: { _id: string; outcome?: string; country?: string; time: string }[];
  nextCursor?: string;
}

describe('audit service', () => {
  const prefix = uniqueTopicPrefix('audit');
  const dbName = `audit_it_${randomUUID().slice(0, 8)}`;
  const kafka = new TestKafka();
  const run = randomUUID().slice(0, 8);
  let service: ServiceProcess;
  let db: Connection;
  let api: AuditApiClient;

  async function publishChain(
    o: RequestChainOptions,
    order: (keyof ReturnType<typeof aRequestChain>)[] = ['requested', 'geolocated', 'verified', 'decided'],
  ) {
    const c = aRequestChain(o);
    for (const stage of order) {
      switch (stage) {
        case 'requested':
          await kafka.produce(prefix, Topics.AccessRequested, [c.requested]);
          break;
        case 'geolocated':
          await kafka.produce(prefix, Topics.AccessGeolocated, [c.geolocated]);
          break;
        case 'verified':
          await kafka.produce(prefix, Topics.AccessVerified, [c.verified]);
          break;
        case 'decided':
          await kafka.produce(prefix, Topics.AccessDecided, [c.decided]);
          break;
      }
    }
    return c;
  }

  async function decidedRecord(requestId: string): Promise<Record<string, unknown>> {
    return pollUntil(
      async () => {
        const r = await db.collection('audit_requests').findOne({ _id: requestId as never });
        return r && r['outcome'] && r['country'] && r['verificationLevel'] ? r : undefined;
      },
      { timeoutMs: 60_000, what: `record of ${requestId}` },
    );
  }

  beforeAll(async () => {
    await kafka.createTopics(prefix, ACCESS_TOPICS);
    service = await spawnService('audit', {
      env: {
        KAFKA_TOPIC_PREFIX: prefix,
        // a group of its own: members of one group with other subscriptions trigger rebalances here
        KAFKA_GROUP_ID: `clearance-audit-${prefix}`,
        MONGODB_URI: mongoUriFor(dbName),
        AUDITOR_TOKENS: `alice:${hashToken(`alice-${run}`)},bob:${hashToken(`bob-${run}`)}`,
        KAFKA_MAX_BATCH_MESSAGES: '200',
      },
    });
    await service.waitReady();
    db = await mongoose.createConnection(mongoUriFor(dbName)).asPromise();
    api = new AuditApiClient(service.baseUrl, `alice-${run}`);
  });

  afterAll(async () => {
    await service?.stop();
    await kafka.disconnect();
    await db?.dropDatabase();
    await db?.close();
  });

  it('stores every event once however often it is delivered', async () => {
    const userId = `dup-${run}`;
    const c = aRequestChain({ userId });
    await kafka.produce(prefix, Topics.AccessRequested, [c.requested, c.requested]);
    await kafka.produce(prefix, Topics.AccessGeolocated, [c.geolocated]);
    await kafka.produce(prefix, Topics.AccessVerified, [c.verified, c.verified, c.verified]);
    await kafka.produce(prefix, Topics.AccessDecided, [c.decided]);
    await kafka.produce(prefix, Topics.AccessDecided, [c.decided]);
    await decidedRecord(c.requested.requestId);
    const eventIds = [c.requested, c.geolocated, c.verified, c.decided].map((e) => e.eventId);
    // the last duplicate sits behind the decided event on its partition: once its offset is committed it was seen
    await pollUntil(
      async () =>
        (await db.collection('audit_events').countDocuments({ requestId: c.requested.requestId })) === 4,
      {
        what: 'four stored events',
      },
    );
    const stored = await db.collection('audit_events').find({ requestId: c.requested.requestId }).toArray();
    expect(stored.map((d) => d['_id']).sort()).toEqual([...eventIds].sort());
    expect(
      stored.every((d) => typeof d['raw'] === 'string' && /^[0-9a-f]{64}$/.test(String(d['hash']))),
    ).toBe(true);
  });

  it('builds the same record when the stages arrive out of order', async () => {
    const inOrder = await publishChain({
      userId: `order-a-${run}`,
      country: 'DE',
      outcome: 'deny',
      reasons: ['GEO_NOT_DOMESTIC'],
    });
    const reversed = await publishChain(
      { userId: `order-b-${run}`, country: 'DE', outcome: 'deny', reasons: ['GEO_NOT_DOMESTIC'] },
      ['decided', 'verified', 'requested', 'geolocated'],
    );
    const a = await decidedRecord(inOrder.requested.requestId);
    const b = await decidedRecord(reversed.requested.requestId);
    const comparable = (r: Record<string, unknown>) => {
      const { _id: _i, userId: _u, decisionEventId: _d, storedAt: _t, ...rest } = r;
      return rest;
    };
    expect(comparable(b)).toEqual(comparable(a));
    expect(b).toMatchObject({
      country: 'DE',
      outcome: 'deny',
      reasons: ['GEO_NOT_DOMESTIC'],
      userId: `order-b-${run}`,
    });
  });

  it('finds requests by each filter, and only those', async () => {
    const t = new Date('2026-10-01T12:00:00.000Z');
    const base = { requestedAt: t };
    const x = await publishChain({
      ...base,
      userId: `fx-${run}`,
      organizationId: `org-x-${run}`,
      ip: '198.51.100.10',
      country: 'IR',
      outcome: 'deny',
      reasons: ['GEO_EMBARGOED_COUNTRY', 'NET_VPN'],
      model: `model-x-${run}`,
      policyVersion: `pv-x-${run}`,
    });
    const y = await publishChain({
      ...base,
      userId: `fy-${run}`,
      organizationId: `org-y-${run}`,
      ip: '198.51.100.11',
      country: 'US',
      outcome: 'challenge',
      reasons: ['SCREENING_POTENTIAL_MATCH'],
      model: `model-y-${run}`,
      tier: 'standard',
      policyVersion: `pv-y-${run}`,
    });
    await decidedRecord(x.requested.requestId);
    await decidedRecord(y.requested.requestId);
    const ids = async (query: string) =>
      (await api.json<Page>(`/v1/audit/requests?${query}`)).items.map((i) => i._id);
    const window = 'from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z';
    expect(await ids(`userId=fx-${run}`)).toEqual([x.requested.requestId]);
    expect(await ids(`organizationId=org-y-${run}`)).toEqual([y.requested.requestId]);
    expect(await ids(`ip=198.51.100.10&${window}`)).toEqual([x.requested.requestId]);
    expect(await ids(`country=IR&${window}`)).toEqual([x.requested.requestId]);
    expect(await ids(`outcome=challenge&${window}`)).toEqual([y.requested.requestId]);
    expect(await ids(`reason=NET_VPN&${window}`)).toEqual([x.requested.requestId]);
    expect(await ids(`model=model-y-${run}`)).toEqual([y.requested.requestId]);
    expect(await ids(`tier=standard&${window}`)).toEqual([y.requested.requestId]);
    expect(await ids(`tier=frontier&${window}`)).toEqual([x.requested.requestId]);
    expect(await ids(`policyVersion=pv-x-${run}`)).toEqual([x.requested.requestId]);
    expect((await ids(window)).sort()).toEqual([x.requested.requestId, y.requested.requestId].sort());
    expect(await ids(`userId=fx-${run}&from=2026-10-02T00:00:00Z`)).toEqual([]);
  });

  it('pages newest first with an opaque cursor, each request once', async () => {
    const userId = `page-${run}`;
    const chains = [];
    for (let i = 0; i < 7; i++)
      chains.push(await publishChain({ userId, requestedAt: new Date(Date.UTC(2026, 8, 1, 0, i)) }));
    for (const c of chains) await decidedRecord(c.requested.requestId);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page: Page = await api.json<Page>(
        `/v1/audit/requests?userId=${userId}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((i) => i._id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(chains.map((c) => c.requested.requestId).reverse());
  });

  it("opens a request's timeline with every event and the decision's explanation", async () => {
    const c = await publishChain({ userId: `tl-${run}`, outcome: 'deny', reasons: ['NET_TOR'] });
    await decidedRecord(c.requested.requestId);
    const sut = await api.json<{
      events: { topic: string; eventId: string; time: string }[];
      explanation: AccessDecidedV1['decision'];
    }>(`/v1/audit/requests/${c.requested.requestId}`);
    expect(sut.events.map((e) => e.topic)).toEqual([
      Topics.AccessRequested,
      Topics.AccessGeolocated,
      Topics.AccessVerified,
      Topics.AccessDecided,
    ]);
    expect(sut.explanation).toMatchObject({
      outcome: 'deny',
      reasons: [{ code: 'NET_TOR' }],
      policy: { id: 'default' },
    });
    expect((await api.get('/v1/audit/requests/no-such-request')).status).toBe(404);
  });

  it('exports the matching requests as CSV and NDJSON', async () => {
    const userId = `exp-${run}`;
    const chains = [
      await publishChain({ userId }),
      await publishChain({ userId, outcome: 'deny', reasons: ['NET_PROXY'] }),
    ];
    for (const c of chains) await decidedRecord(c.requested.requestId);
    const csv = await api.get(`/v1/audit/export?format=csv&userId=${userId}`);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^requestId,time,userId/);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(chains.map((c) => c.requested.requestId).sort());
    const nd = await api.get(`/v1/audit/export?format=ndjson&userId=${userId}&outcome=deny`);
    expect(nd.type).toContain('application/x-ndjson');
    const rows = nd.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { requestId: string; reasons: string[] });
    expect(rows).toEqual([
      expect.objectContaining({ requestId: chains[1]!.requested.requestId, reasons: ['NET_PROXY'] }),
    ]);
  });

  it('counts by outcome, country and reason per hour and per day', async () => {
    const at = (h: number) => new Date(Date.UTC(2026, 6, 4, h, 30));
    const cs = [
      await publishChain({
        requestedAt: at(1),
        country: 'US',
        outcome: 'allow',
        reasons: ['ALLOW_STANDARD'],
      }),
      await publishChain({
        requestedAt: at(1),
        country: 'CU',
        outcome: 'deny',
        reasons: ['GEO_EMBARGOED_COUNTRY', 'NET_VPN'],
      }),
      await publishChain({
        requestedAt: at(2),
        country: 'CU',
        outcome: 'deny',
        reasons: ['GEO_EMBARGOED_COUNTRY'],
      }),
    ];
    for (const c of cs) await decidedRecord(c.requested.requestId);
    const range = 'from=2026-07-04T00:00:00Z&to=2026-07-05T00:00:00Z';
    const hourly = await api.json<{ byOutcome: unknown[]; byCountry: unknown[]; byReason: unknown[] }>(
      `/v1/audit/stats?bucket=hour&${range}`,
    );
    expect(hourly.byOutcome).toEqual([
      { bucket: '2026-07-04T01', key: 'allow', count: 1 },
      { bucket: '2026-07-04T01', key: 'deny', count: 1 },
      { bucket: '2026-07-04T02', key: 'deny', count: 1 },
    ]);
    expect(hourly.byReason).toEqual([
      { bucket: '2026-07-04T01', key: 'ALLOW_STANDARD', count: 1 },
      { bucket: '2026-07-04T01', key: 'GEO_EMBARGOED_COUNTRY', count: 1 },
      { bucket: '2026-07-04T01', key: 'NET_VPN', count: 1 },
      { bucket: '2026-07-04T02', key: 'GEO_EMBARGOED_COUNTRY', count: 1 },
    ]);
    const daily = await api.json<{ byCountry: unknown[] }>(`/v1/audit/stats?bucket=day&${range}`);
    expect(daily.byCountry).toEqual([
      { bucket: '2026-07-04', key: 'CU', count: 2 },
      { bucket: '2026-07-04', key: 'US', count: 1 },
    ]);
  });

  it('stores dead letters, and finds a request without a decision from its events', async () => {
    const stuck = aRequestChain({ userId: `dl-${run}` });
    await kafka.produce(prefix, Topics.AccessRequested, [stuck.requested]);
    await kafka.produce(prefix, Topics.AccessGeolocated, [stuck.geolocated]);
    const dl = aDeadLetter({ requestId: stuck.requested.requestId });
    await kafka.produce(prefix, Topics.DeadLetter, [dl]);
    type Timeline = { record: unknown; events: { topic: string; eventId: string }[]; explanation: unknown };
    const sut = await pollUntil(
      async () => {
        const res = await api.get(`/v1/audit/requests/${stuck.requested.requestId}`);
        const t = res.status === 200 ? (res.body as Timeline) : undefined;
        return t && t.events.length === 3 ? t : undefined;
      },
      { timeoutMs: 60_000, what: 'the timeline of a request without a decision' },
    );
    expect(sut.record).toBeNull();
    expect(sut.explanation).toBeNull();
    expect(sut.events.map((e) => [e.topic, e.eventId]).sort()).toEqual(
      [
        [Topics.AccessRequested, stuck.requested.eventId],
        [Topics.AccessGeolocated, stuck.geolocated.eventId],
        [Topics.DeadLetter, dl.eventId],
      ].sort(),
    );
    expect(
      await db
        .collection('audit_events')
        .countDocuments({ _id: dl.eventId as never, topic: Topics.DeadLetter }),
    ).toBe(1);
    expect(
      await db.collection('audit_requests').countDocuments({ _id: stuck.requested.requestId as never }),
    ).toBe(0);
  });

  it('refuses query parameters that try to smuggle MongoDB operators', async () => {
    for (const q of [
      'userId[$gt]=',
      'userId[$ne]=x',
      '$where=sleep(1000)',
      'country[$regex]=.*',
      'userId=a&userId=b',
      'outcome={"$gt":""}',
      'cursor=eyIkZ3QiOjF9',
    ]) {
      const res = await api.get(`/v1/audit/requests?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
    }
    expect((await api.get('/v1/audit/export?format=xml')).status).toBe(400);
    expect((await api.get('/v1/audit/stats?bucket=minute')).status).toBe(400);
  });

  it('refuses a missing or unknown token, and records every auditor query', async () => {
    expect((await api.withToken(undefined).get('/v1/audit/requests')).status).toBe(401);
    expect((await api.withToken('not-a-token').get('/v1/audit/requests')).status).toBe(401);
    expect((await api.withToken(`alice-${run}x`).get('/v1/audit/integrity')).status).toBe(401);
    const bob = api.withToken(`bob-${run}`);
    expect((await bob.get(`/v1/audit/requests?userId=who-${run}`)).status).toBe(200);
    expect((await bob.get('/v1/audit/requests?$where=1')).status).toBe(400);
    const logged = await db
      .collection('audit_auditor_queries')
      .find({ auditor: 'bob' })
      .sort({ at: 1 })
      .toArray();
    expect(logged.map((l) => [l['path'], l['status']])).toEqual([
      ['/v1/audit/requests', 200],
      ['/v1/audit/requests', 400],
    ]);
    expect(String(logged[0]!['query'])).toContain(`who-${run}`);
  });

  it('proves the stored events unaltered, and names a changed, a deleted and an inserted record', async () => {
    const c = await publishChain({ userId: `tamper-${run}` });
    await decidedRecord(c.requested.requestId);
    const healthy = await api.json<{ ok: boolean; checkedRecords: number }>('/v1/audit/integrity');
    expect(healthy).toMatchObject({ ok: true });
    expect(healthy.checkedRecords).toBeGreaterThan(10);

    const events = db.collection<{ _id: string; raw: string; chain: string; seq: number }>('audit_events');
    const victim = (await events.findOne({ _id: c.verified.eventId }))!;
    const forged = victim.raw.replace('"entity-approved"', '"identity"');
    await events.updateOne({ _id: victim._id }, { $set: { raw: forged } });
    const changed = await api.json<{ ok: boolean; firstBreak: { kind: string; eventId: string } }>(
      '/v1/audit/integrity',
    );
    expect(changed).toMatchObject({ ok: false, firstBreak: { kind: 'record-changed', eventId: victim._id } });
    await events.updateOne({ _id: victim._id }, { $set: { raw: victim.raw } });
    expect(await api.json('/v1/audit/integrity')).toMatchObject({ ok: true });

    // a record in the middle of a chain: delete it, then put in a forged one in its place. A chain is one topic
    // partition, so the victim's may hold a single event: take the fullest chain (the earlier tests fill several).
    const all = await events.find({}, { projection: { chain: 1 } }).toArray();
    const sizes = new Map<string, number>();
    for (const e of all) sizes.set(e.chain, (sizes.get(e.chain) ?? 0) + 1);
    const [fullest, size] = [...sizes].sort((a, b) => b[1] - a[1])[0]!;
    expect(size).toBeGreaterThanOrEqual(3);
    const middle = (await events.find({ chain: fullest }).sort({ seq: 1 }).toArray()).at(-2)!;
    const next = (await events.findOne({ chain: fullest, seq: { $gt: middle.seq } }, { sort: { seq: 1 } }))!;
    await events.deleteOne({ _id: middle._id });
    const deleted = await api.json<{ ok: boolean; firstBreak: { kind: string; seq: number } }>(
      '/v1/audit/integrity',
    );
    expect(deleted).toMatchObject({ ok: false, firstBreak: { kind: 'link-broken', seq: next.seq } });
    await events.insertOne({ ...middle, _id: randomUUID() });
    const inserted = await api.json<{ ok: boolean; firstBreak: { kind: string; seq: number } }>(
      '/v1/audit/integrity',
    );
    expect(inserted.ok).toBe(false);
    await events.deleteOne({ chain: middle.chain, seq: middle.seq });
    await events.insertOne(middle);
    expect(await api.json('/v1/audit/integrity')).toMatchObject({ ok: true });
  });
});
