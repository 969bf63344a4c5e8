/**
 * Audit store benchmark, against the test-profile database (FerretDB locally; set MONGODB_URI for MongoDB):
 *   node -r @swc-node/register bench/audit.bench.ts [--requests 1000] [--batch 500] [--records 200000] [--queries 12]
 *     [--db-pid <pid of the database server, to sample its RSS during the export too>] [--export 0] [--name audit] [--others 1]
 *     [--lag-rounds 20] [--lag-batch 100] [--partitions 1] [--joint 0] [--page-db <name>] [--insert-probe 0]
 * 1. Stored events/s through the store path (AuditStore.storeBatch: hash chain, event insert, request record
 *    insert for decided events, chain head) next to raw driver insertMany of the same documents (the events and
 *    the request records) into collections of the same database with the same indexes, same run. With
 *    --partitions N > 1 each topic's messages are spread over N partitions (offsets 0.. in each), and every round
 *    hands the store the next --batch messages of every topic partition at once, as kafkajs hands over the
 *    partition batches of one fetch (the store then joins their writes).
 * 1b. With --joint R: FerretDB's CPU for the writes of 15 partition batches of 3 events, R rounds, as separate
 *    commands against joint ones (what the store's WriteCoalescer sends): 15 head compare-and-sets as 15 `update`
 *    commands or one of 15 statements, 45 events as 15 inserts of 3 or one of 45.
 * 2. Latency of a filtered page (51 records, newest first) over --records stored request records, with the database
 *    server's CPU per page. With --page-db NAME the records live in the database NAME, which is kept after the run
 *    and reused by the next run that asks for the same --records (filling 1,000,000 takes 10–30 min here); without
 *    it they are filled into the run's own database and dropped. With --insert-probe N, before the pages, N more
 *    records are inserted into the filled collection in batches of --batch (the database server's CPU and the wall
 *    time per record: the cost of an insert next to the stored records), then deleted again.
 * 3. Export of all --records records through the export writer into a sink, with the process RSS sampled.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Topics, type AccessDecidedV1, type TopicName } from '@clearance/contracts';
import type { ConsumedMessage } from '@clearance/kafka';
import { exportChunks } from '../services/audit/src/api/export.writer';
import { buildRequestFilter } from '../services/audit/src/api/request-filter.builder';
import {
  AUDIT_EVENTS_COLLECTION,
  AuditEventSchema,
  type AuditEventRecord,
} from '../services/audit/src/store/events/audit-event.schema';
import { AUDIT_CHAIN_HEADS_COLLECTION } from '../services/audit/src/store/chain/chain-head.schema';
import { AUDIT_QUARANTINE_COLLECTION } from '../services/audit/src/store/events/quarantine.schema';
import { planChainBatch } from '../services/audit/src/store/chain/chain-batch.planner';
import { GENESIS_HASH, HashChain, chainId } from '../services/audit/src/store/chain/hash-chain';
import { prepare, toRecord } from '../services/audit/src/store/audit.store';
import { buckets, recordOfDecision } from '../services/audit/src/store/projection/request.projection';
import {
  RequestRecordSchema,
  type RequestRecord,
} from '../services/audit/src/store/projection/request-record.schema';
import { aRequestChain } from '@clearance/testing';
import { openStoreHarness, type StoreHarness } from '../services/audit/test/audit-store.harness';
import { cpuMs, ensureInfra, infraPids, rssMiB, summarize, writeResult } from './bench.support';

/** The parts of a consumed message the audit store reads. */
type StoredInput = Pick<ConsumedMessage<unknown>, 'raw' | 'offset' | 'headers'>;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const TOPICS: TopicName[] = [
  Topics.AccessRequested,
  Topics.AccessGeolocated,
  Topics.AccessVerified,
  Topics.AccessDecided,
];
const COUNTRIES = ['US', 'US', 'US', 'DE', 'GB', 'CN', 'IR', 'RU', 'unknown'];
const OUTCOMES = ['allow', 'allow', 'deny', 'challenge'] as const;
const REASONS = [
  'ALLOW_STANDARD',
  'GEO_NOT_DOMESTIC',
  'NET_VPN',
  'GEO_EMBARGOED_COUNTRY',
  'SCREENING_POTENTIAL_MATCH',
];

/** Messages per topic, one partition, offsets 0..n-1: what the consumer would hand the store. */
function messages(requests: number): Map<TopicName, StoredInput[]> {
  const out = new Map<TopicName, StoredInput[]>(TOPICS.map((t) => [t, []]));
  for (let i = 0; i < requests; i++) {
    const c = aRequestChain({
      userId: `user-${i % 997}`,
      country: COUNTRIES[i % COUNTRIES.length]!,
      requestedAt: new Date(Date.UTC(2026, 10, 1) + i * 1000),
    });
    const byTopic = [c.requested, c.geolocated, c.verified, c.decided];
    TOPICS.forEach((t, k) => {
      const list = out.get(t)!;
      list.push({ raw: JSON.stringify(byTopic[k]), offset: String(list.length), headers: {} });
    });
  }
  return out;
}

/** The documents the store writes for these messages (same hashes), for the raw-driver baseline. */
function eventDocuments(byTopic: Map<TopicName, StoredInput[]>): AuditEventRecord[] {
  const chain = new HashChain();
  const docs: AuditEventRecord[] = [];
  const now = new Date();
  for (const [topic, list] of byTopic) {
    const materials = list
      .map((m) => prepare(topic, 0, m))
      .flatMap((p) => ('material' in p ? [p.material] : []));
    const plan = planChainBatch(chain, chainId(topic, 0), GENESIS_HASH, materials, new Map());
    for (const { material: m, link } of plan.inserts) {
      docs.push(toRecord(chainId(topic, 0), m, link, now));
    }
  }
  return docs;
}

function aRecord(i: number, base: number): RequestRecord {
  const time = new Date(base - i * 1000);
  const outcome = OUTCOMES[i % OUTCOMES.length]!;
  return {
    _id: `req-${i.toString(36)}-${randomUUID().slice(0, 8)}`,
    time,
    ...buckets(time),
    userId: `user-${i % 5000}`,
    organizationId: `org-${i % 300}`,
    ip: `198.51.${(i >> 8) % 256}.${i % 256}`,
    country: COUNTRIES[i % COUNTRIES.length]!,
    model: i % 3 === 0 ? 'frontier-1' : 'standard-1',
    outcome,
    reasons: [REASONS[i % REASONS.length]!],
    policyId: 'default',
    policyVersion: `2026.${(i % 4) + 1}`,
    verificationLevel: 'identity',
    screeningStatus: 'clear',
    latency: { totalMs: 10 + (i % 40) },
  };
}

/** Section 1b: FerretDB CPU µs per head and per event, separate commands against joint ones. */
async function jointCommands(
  connection: StoreHarness['connection'],
  rounds: number,
  dbPid: number,
): Promise<Record<string, number>> {
  const CHAINS = 15;
  const PER_BATCH = 3;
  const heads = connection.collection<{ _id: string; seq: number; hash: string; updatedAt: Date }>(
    'bench_joint_heads',
  );
  const events = connection.collection<AuditEventRecord>('bench_joint_events');
  for (const [keys, options] of AuditEventSchema.indexes())
    await events.createIndex(keys as Record<string, 1 | -1>, options as { name?: string });
  const at = new Map<string, number>();
  for (let c = 0; c < CHAINS; c++) {
    at.set(`chain#${c}`, 0);
    await heads.insertOne({ _id: `chain#${c}`, seq: 0, hash: 'h0', updatedAt: new Date() });
  }
  const move = (chain: string) => {
    const seq = at.get(chain)!;
    at.set(chain, seq + 1);
    return {
      filter: { _id: chain, seq, hash: `h${seq}` },
      update: { $set: { seq: seq + 1, hash: `h${seq + 1}`, updatedAt: new Date() } },
    };
  };
  let seq = 0;
  const doc = (c: number): AuditEventRecord => {
    const e = aRequestChain().requested;
    const s = seq++;
    return {
      _id: e.eventId,
      chain: `chain#${c}`,
      topic: Topics.AccessRequested,
      partition: c,
      offset: String(s),
      seq: s,
      requestId: e.requestId,
      eventType: 'ai.clearance.access.requested.v1',
      producer: e.producer,
      time: new Date(e.time),
      storedAt: new Date(),
      raw: JSON.stringify(e),
      prevHash: 'a'.repeat(64),
      hash: 'b'.repeat(64),
    };
  };
  const usPer = async (units: number, round: () => Promise<void>): Promise<number> => {
    const before = cpuMs(dbPid);
    for (let r = 0; r < rounds; r++) await round();
    return Math.round(((cpuMs(dbPid) - before) * 1000) / (rounds * units));
  };
  const chains = [...at.keys()];
  const out: Record<string, number> = {};
  // twice each, alternating, so that a change of load shows as a difference between the two
  for (const n of [1, 2]) {
    out[`headSeparateUsPerHead${n}`] = await usPer(CHAINS, async () => {
      for (const c of chains) {
        const m = move(c);
        await heads.updateOne(m.filter, m.update);
      }
    });
    out[`headJointUsPerHead${n}`] = await usPer(CHAINS, async () => {
      await heads.bulkWrite(
        chains.map((c) => ({ updateOne: move(c) })),
        { ordered: false },
      );
    });
    out[`eventsSeparateUsPerEvent${n}`] = await usPer(CHAINS * PER_BATCH, async () => {
      for (let c = 0; c < CHAINS; c++)
        await events.insertMany(
          Array.from({ length: PER_BATCH }, () => doc(c)),
          { ordered: false },
        );
    });
    out[`eventsJointUsPerEvent${n}`] = await usPer(CHAINS * PER_BATCH, async () => {
      await events.insertMany(
        Array.from({ length: CHAINS * PER_BATCH }, (_, i) => doc(i % CHAINS)),
        { ordered: false },
      );
    });
  }
  return out;
}

async function main(): Promise<void> {
  ensureInfra();
  const requests = arg('requests', 1000);
  const batch = arg('batch', 500);
  const records = arg('records', 200_000);
  const queries = arg('queries', 12);
  const dbPid = arg('db-pid', 0);
  const withExport = arg('export', 1) !== 0;
  const others = arg('others', 1);
  const partitions = arg('partitions', 1);
  const nameAt = process.argv.indexOf('--name');
  const name = nameAt > 0 ? process.argv[nameAt + 1]! : 'audit';
  const pageDbAt = process.argv.indexOf('--page-db');
  const pageDb = pageDbAt > 0 ? process.argv[pageDbAt + 1]! : undefined;
  const insertProbe = arg('insert-probe', 0);
  const h = await openStoreHarness('audit_bench');
  // the filled records' database: kept between runs when named, else the run's own
  const ph = pageDb ? await openStoreHarness(pageDb, { keep: true }) : h;
  const load = (): number[] => loadavg().map((l) => Number(l.toFixed(2)));
  const result: Record<string, unknown> = {
    database: process.env['MONGODB_URI'],
    databaseServer: databaseServer(),
    pageDatabase: pageDb ?? "(the run's own)",
    requests,
    batch,
    partitions,
    records,
    queries,
    loadAverage: { start: load() },
  };
  const loads = result['loadAverage'] as Record<string, number[]>;
  try {
    // 1. store path vs raw insertMany
    console.error(new Date().toISOString(), 'building messages');
    const byTopic = messages(requests);
    const docs = eventDocuments(byTopic);
    const raw = h.connection.collection<AuditEventRecord>('bench_raw_events');
    await raw.createIndex({ chain: 1, seq: 1 }, { unique: true, name: 'chain_seq' });
    await raw.createIndex({ requestId: 1, time: 1 }, { name: 'request_time' });
    await raw.createIndex({ storedAt: 1 }, { name: 'stored_at' });
    // the request records the store writes for the decided events: the same documents, indexes as audit_requests
    const recordDocs = byTopic
      .get(Topics.AccessDecided)!
      .map((m) => recordOfDecision(JSON.parse(m.raw) as AccessDecidedV1, new Date()));
    const rawRecords = h.connection.collection<RequestRecord>('bench_raw_requests');
    for (const [keys, options] of RequestRecordSchema.indexes())
      await rawRecords.createIndex(keys as Record<string, 1 | -1>, options as { name?: string });
    // CPU of this process and of the database (when the test profile's FerretDB is local): what a loaded machine
    // does not distort, unlike the wall-clock rates
    const dbPidForCpu = infraPids()['ferretdb'];
    const cpuNow = (): { self: number; db: number } => {
      const u = process.cpuUsage();
      return { self: (u.user + u.system) / 1000, db: dbPidForCpu ? cpuMs(dbPidForCpu) : NaN };
    };
    const perEventUs = (from: { self: number; db: number }, to: { self: number; db: number }) => ({
      benchProcess: Math.round(((to.self - from.self) * 1000) / docs.length),
      database: Math.round(((to.db - from.db) * 1000) / docs.length),
    });
    let cpu = cpuNow();
    let t = process.hrtime.bigint();
    for (let i = 0; i < docs.length; i += batch)
      await raw.insertMany(docs.slice(i, i + batch), { ordered: false });
    const rawEventSeconds = Number(process.hrtime.bigint() - t) / 1e9;
    for (let i = 0; i < recordDocs.length; i += batch)
      await rawRecords.insertMany(recordDocs.slice(i, i + batch), { ordered: false });
    const rawSeconds = Number(process.hrtime.bigint() - t) / 1e9;
    const rawCpu = perEventUs(cpu, cpuNow());
    console.error(new Date().toISOString(), 'store path');
    cpu = cpuNow();
    t = process.hrtime.bigint();
    const perTopic: Record<string, number> = {};
    if (partitions === 1)
      for (const [topic, list] of byTopic) {
        const started = process.hrtime.bigint();
        for (let i = 0; i < list.length; i += batch)
          await h.store.storeBatch(topic, 0, list.slice(i, i + batch));
        perTopic[topic] = Math.round(list.length / (Number(process.hrtime.bigint() - started) / 1e9));
      }
    else {
      const spread = [...byTopic].map(([topic, list]) => {
        const parts = Array.from({ length: partitions }, (): StoredInput[] => []);
        list.forEach((m, i) => {
          const part = parts[i % partitions]!;
          part.push({ ...m, offset: String(part.length) });
        });
        return { topic, parts };
      });
      const longest = Math.max(...spread.flatMap((s) => s.parts.map((p) => p.length)));
      for (let i = 0; i < longest; i += batch)
        await Promise.all(
          spread.flatMap(({ topic, parts }) =>
            parts.flatMap((part, p) =>
              part.length > i ? [h.store.storeBatch(topic, p, part.slice(i, i + batch))] : [],
            ),
          ),
        );
    }
    const storeSeconds = Number(process.hrtime.bigint() - t) / 1e9;
    const storeCpu = perEventUs(cpu, cpuNow());
    const events = docs.length;
    const stored = await h.connection.collection('audit_events').countDocuments({});
    if (stored !== events) throw new Error(`store path stored ${stored} of ${events} events`);
    result['store'] = {
      events,
      requestRecords: recordDocs.length,
      // the same documents the store writes (events and request records), raw driver, same indexes
      rawInsertManySeconds: Number(rawSeconds.toFixed(2)),
      storePathSeconds: Number(storeSeconds.toFixed(2)),
      rawInsertManyPerSecond: Math.round(events / rawSeconds),
      storePathPerSecond: Math.round(events / storeSeconds),
      ratio: Number((rawSeconds / storeSeconds).toFixed(3)),
      // the earlier baseline: the event documents alone
      rawEventsOnlyPerSecond: Math.round(events / rawEventSeconds),
      ratioToEventsOnly: Number((rawEventSeconds / storeSeconds).toFixed(3)),
      storePathPerSecondByTopic: perTopic,
      // CPU µs per stored event (the raw side's hashing and documents were built before its clock started)
      rawInsertManyCpuUsPerEvent: rawCpu,
      storePathCpuUsPerEvent: storeCpu,
    };
    loads['afterStore'] = load();
    console.log('store', result['store'], loads['afterStore']);
    const joint = arg('joint', 0);
    if (joint > 0 && dbPidForCpu) {
      result['jointCommands'] = await jointCommands(h.connection, joint, dbPidForCpu);
      loads['afterJoint'] = load();
      console.log('jointCommands', result['jointCommands'], loads['afterJoint']);
    }

    // 2. filtered page latency over many request records
    const coll = ph.connection.collection<RequestRecord>('audit_requests');
    const base = Date.UTC(2026, 10, 27);
    // what a kept database was filled with; a run asking for the same is served from it without refilling
    const marker = ph.connection.collection<{ _id: string; records: number; base: number }>('bench_fill');
    const filled = await marker.findOne({ _id: 'records' });
    // (the marker is written after a fill whose count was checked; a count is a read of every record on FerretDB,
    // minutes at 1,000,000, so a reuse checks the oldest record through the time index instead)
    const oldest = async () =>
      (
        await coll
          .find({ time: { $lte: new Date(base) } })
          .sort({ time: 1, _id: 1 })
          .limit(1)
          .next()
      )?._id;
    if (
      pageDb &&
      filled?.records === records &&
      filled.base === base &&
      (await oldest())?.startsWith(`req-${(records - 1).toString(36)}-`)
    ) {
      console.error(new Date().toISOString(), `reusing ${records} request records in ${pageDb}`);
      result['fill'] = { reused: true, stored: records };
    } else {
      await marker.deleteMany({});
      await coll.deleteMany({});
      console.error(new Date().toISOString(), `filling ${records} request records`);
      t = process.hrtime.bigint();
      for (let i = 0; i < records; i += 10_000) {
        await coll.insertMany(
          Array.from({ length: Math.min(10_000, records - i) }, (_, k) => aRecord(i + k, base)),
          { ordered: false },
        );
        if ((i / 10_000) % 20 === 19) console.error(new Date().toISOString(), `${i + 10_000} filled`);
      }
      const fillSeconds = Number(process.hrtime.bigint() - t) / 1e9;
      const stored = await coll.estimatedDocumentCount();
      if (stored !== records) throw new Error(`fill stored ${stored} of ${records} records`);
      await marker.insertOne({ _id: 'records', records, base });
      result['fill'] = {
        seconds: Number(fillSeconds.toFixed(1)),
        rawInsertManyPerSecond: Math.round(records / fillSeconds),
        stored,
      };
    }
    loads['afterFill'] = load();
    console.log('fill', result['fill'], loads['afterFill']);
    // what a run that died before its clean-up left (the probe's and the lag's records are newer than the filled)
    if (ph !== h) await cleanKeptDatabase(ph, base);

    if (insertProbe > 0) {
      // the cost of an insert into the filled collection (its 10 indexes holding --records entries), then undone
      const at = base + 30 * 86_400_000;
      const probe = Array.from({ length: insertProbe }, (_, k) => aRecord(-1 - k, at));
      const before = cpuNow();
      const started = process.hrtime.bigint();
      for (let i = 0; i < probe.length; i += batch)
        await coll.insertMany(probe.slice(i, i + batch), { ordered: false });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const after = cpuNow();
      await coll.deleteMany({ time: { $gt: new Date(base) } });
      result['insertProbe'] = {
        records: insertProbe,
        batch,
        into: records,
        perSecond: Math.round(insertProbe / seconds),
        databaseCpuUsPerRecord: Math.round(((after.db - before.db) * 1000) / insertProbe),
        benchProcessCpuUsPerRecord: Math.round(((after.self - before.self) * 1000) / insertProbe),
      };
      loads['afterInsertProbe'] = load();
      console.log('insertProbe', result['insertProbe'], loads['afterInsertProbe']);
    }
    // the goal's query first: an auditor's page of one outcome over a day (about a tenth of the records at 1M)
    const filters = [
      (i: number) => ({
        outcome: OUTCOMES[i % OUTCOMES.length]!,
        from: new Date(base - 86_400_000 * (2 + (i % 5))).toISOString(),
        to: new Date(base - 86_400_000 * (1 + (i % 5))).toISOString(),
      }),
      (i: number) => ({ userId: `user-${(i * 7) % 5000}` }),
      (i: number) => ({
        organizationId: `org-${i % 300}`,
        from: new Date(base - 86_400_000 * 2).toISOString(),
      }),
      () => ({ country: 'IR' }),
      () => ({ outcome: 'deny' as const, reason: 'NET_VPN' }),
      () => ({ model: 'frontier-1', policyVersion: '2026.1' }),
      () => ({}),
    ];
    const latencies: number[] = [];
    const perFilter: Record<string, number[]> = {};
    // --queries pages of the goal's filter (outcome + a day), then --others rounds of every other filter
    const plan = [
      ...Array.from({ length: queries }, (_, i) => filters[0]!(i)),
      ...Array.from({ length: others * (filters.length - 1) }, (_, i) =>
        filters[1 + (i % (filters.length - 1))]!(i),
      ),
    ];
    // the database server's CPU per page (clock ticks of 10 ms, so summed per filter, not per page)
    const pageCpu: Record<string, { pages: number; databaseMs: number; rows: number }> = {};
    for (const f of plan) {
      const key = Object.keys(f).join('+') || 'none';
      const before = cpuNow();
      const started = process.hrtime.bigint();
      const rows = await ph.requests.page(buildRequestFilter(f), 51);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const after = cpuNow();
      console.error(new Date().toISOString(), 'page', JSON.stringify(f), Math.round(ms), 'ms');
      latencies.push(ms);
      (perFilter[key] ??= []).push(ms);
      const c = (pageCpu[key] ??= { pages: 0, databaseMs: 0, rows: 0 });
      c.pages++;
      c.databaseMs += after.db - before.db;
      c.rows += rows.length;
    }
    const round = (o: Record<string, number>) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(v.toFixed(1))]));
    result['pageLatencyMs'] = round(summarize(latencies));
    result['pageLatencyMsByFilter'] = Object.fromEntries(
      Object.entries(perFilter).map(([k, v]) => [k, round(summarize(v))]),
    );
    result['pageDatabaseCpuMsPerPageByFilter'] = Object.fromEntries(
      Object.entries(pageCpu).map(([k, c]) => [
        k,
        { pages: c.pages, rowsPerPage: c.rows / c.pages, cpuMs: Number((c.databaseMs / c.pages).toFixed(1)) },
      ]),
    );
    loads['afterPages'] = load();
    console.log(
      'page',
      result['pageLatencyMs'],
      result['pageLatencyMsByFilter'],
      result['pageDatabaseCpuMsPerPageByFilter'],
      loads['afterPages'],
    );

    // 2b. the store alone, at this size: how long after a decided batch reaches the store its records are served.
    // --lag-rounds rounds of --lag-batch requests (100 ≈ a tenth of a second at 1,000 requests/s), each stage's batch
    // stored as its consumer would, then the decided batch timed until the auditor's page query returns its records
    const lagRounds = arg('lag-rounds', 20);
    const lagBatch = arg('lag-batch', 100);
    const lagMs: number[] = [];
    const decidedStoreMs: number[] = [];
    for (let r = 0; r < lagRounds; r++) {
      const at = new Date(base + 86_400_000 + r * 60_000);
      const chains = Array.from({ length: lagBatch }, (_, k) =>
        aRequestChain({ userId: `lag-${r}`, requestedAt: new Date(at.getTime() + k) }),
      );
      const offset = 1_000_000 + r * lagBatch;
      const batchOf = (k: 'requested' | 'geolocated' | 'verified' | 'decided') =>
        chains.map((c, i) => ({ raw: JSON.stringify(c[k]), offset: String(offset + i), headers: {} }));
      await ph.store.storeBatch(Topics.AccessRequested, 9, batchOf('requested'));
      await ph.store.storeBatch(Topics.AccessGeolocated, 9, batchOf('geolocated'));
      await ph.store.storeBatch(Topics.AccessVerified, 9, batchOf('verified'));
      const decided = batchOf('decided');
      const started = process.hrtime.bigint();
      await ph.store.storeBatch(Topics.AccessDecided, 9, decided);
      decidedStoreMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      const window = {
        outcome: 'allow' as const,
        from: at.toISOString(),
        to: new Date(at.getTime() + 60_000).toISOString(),
      };
      const served = await ph.requests.page(buildRequestFilter(window), lagBatch + 1);
      lagMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (served.length !== lagBatch)
        throw new Error(`round ${r}: ${served.length} of ${lagBatch} records served`);
    }
    result['storeLag'] = {
      rounds: lagRounds,
      batch: lagBatch,
      decidedBatchStoreMs: round(summarize(decidedStoreMs)),
      decidedToServedMs: round(summarize(lagMs)),
    };
    loads['afterLag'] = load();
    console.log('storeLag', result['storeLag'], loads['afterLag']);
    if (ph !== h) await cleanKeptDatabase(ph, base);

    if (!withExport) {
      writeResult(name, result);
      return;
    }
    // 3. export in constant memory
    let bytes = 0;
    let rows = 0;
    let maxRss = rssMiB(process.pid);
    const rssBefore = maxRss;
    let dbMaxRss = dbPid > 0 ? rssMiB(dbPid) : NaN;
    const dbRssBefore = dbMaxRss;
    const sampler = setInterval(() => {
      maxRss = Math.max(maxRss, rssMiB(process.pid));
      if (dbPid > 0) dbMaxRss = Math.max(dbMaxRss, rssMiB(dbPid));
    }, 250);
    t = process.hrtime.bigint();
    await pipeline(
      Readable.from(exportChunks(ph.requests.stream(buildRequestFilter({})), 'csv'), { objectMode: false }),
      new Writable({
        write: (chunk: Buffer, _enc, done) => {
          bytes += chunk.length;
          for (const b of chunk) if (b === 10) rows++;
          done();
        },
      }),
    );
    clearInterval(sampler);
    const exportSeconds = Number(process.hrtime.bigint() - t) / 1e9;
    result['export'] = {
      lines: rows,
      mebibytes: Math.round(bytes / 1048576),
      seconds: Number(exportSeconds.toFixed(1)),
      rowsPerSecond: Math.round(records / exportSeconds),
      rssBeforeMiB: rssBefore,
      rssMaxMiB: maxRss,
      ...(dbPid > 0 ? { databaseRssBeforeMiB: dbRssBefore, databaseRssMaxMiB: dbMaxRss } : {}),
    };
    loads['afterExport'] = load();
    console.log('export', result['export'], loads['afterExport']);
    writeResult(name, result);
  } finally {
    await h.close();
    if (ph !== h) await ph.close();
  }
}

/** Leaves a kept database with its filled records only: the lag rounds' records (newer), events and heads go. */
async function cleanKeptDatabase(ph: StoreHarness, base: number): Promise<void> {
  await ph.connection.collection('audit_requests').deleteMany({ time: { $gt: new Date(base) } });
  for (const c of [AUDIT_EVENTS_COLLECTION, AUDIT_CHAIN_HEADS_COLLECTION, AUDIT_QUARANTINE_COLLECTION])
    await ph.connection.collection(c).deleteMany({});
}

/** The database server's binary (FerretDB's name carries our patches' hash), when the test profile started it. */
function databaseServer(): string | undefined {
  const pid = infraPids()['ferretdb'];
  if (!pid) return undefined;
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
