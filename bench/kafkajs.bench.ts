/**
 * kafkajs's fixed cost per produce and per fetch, with the settings the transport uses (issue 12), and what the
 * transport adds on top at a low rate:
 *   node -r @swc-node/register bench/kafkajs.bench.ts [--parts=send,fetch,idle,hop] [--seconds=N] [--name=kafkajs]
 *
 * - send: a loop of awaited sends of k = 1, 10, 100 decided events (~3 KB, six CloudEvents headers) to one
 *   partition — the raw kafkajs producer with BatchingProducer's options, BatchingProducer itself, and exactly-once
 *   (one transaction per send: sendBatch + sendOffsets + commit, ExactlyOnceDelivery's producer options).
 * - fetch: a one-partition backlog written in record batches of k, read by a consumer with the transport's options
 *   (kafka-batch.server.ts) and `maxBytesPerPartition` of about one record batch, so that each fetch returns one
 *   batch of k; the handler does what ChunkRunner does around a chunk (resolveOffset, heartbeat).
 * - idle: the CPU of a connected, idle producer + consumer (what a stage burns between messages).
 * - hop: the pass-through stage (@clearance/kafka) and a raw kafkajs stage, each its own process, fed one message
 *   at a time at a fixed low rate; CPU of the stage's process per message (the transport's cost over the raw client).
 * CPU is process.cpuUsage() (user + system) of this process for send/fetch/idle, /proc of the child for hop.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Topics } from '@clearance/contracts';
import {
  BatchingProducer,
  DEFAULT_KAFKA_SETTINGS,
  encodeEvent,
  KafkaConnection,
  type KafkaSettings,
} from '@clearance/kafka';
import { aRequestChain, pollUntil, TestKafka, uniqueTopicPrefix } from '@clearance/testing';
import { type Consumer, type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { cpuMs, ensureInfra, writeResult } from './bench.support';
import { libStage, rawStage } from './hop.support';

/**
 * --queue-fix=off undoes, for this process only, the kafkajs patch in patches/ (the request queue's 1 ms timer loop,
 * kafkajs #1556/#1704): the before/after of that patch side by side in one run.
 */
function applyQueueFixOption(): void {
  if (!process.argv.includes('--queue-fix=off')) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue') as {
    prototype: { scheduleCheckPendingRequests: () => void };
  };
  // kafkajs 2.2.4's own body: with nothing pending and no throttle it schedules a check in 1 ms, for ever
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: {
    throttledUntil: number;
    throttleCheckTimeoutId: NodeJS.Timeout | null;
    pending: unknown[];
    checkPendingRequests: () => void;
  }) {
    let scheduleAt = this.throttledUntil - Date.now();
    if (!this.throttleCheckTimeoutId) {
      if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : 10;
      this.throttleCheckTimeoutId = setTimeout(() => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      }, scheduleAt);
    }
  };
}
applyQueueFixOption();

const arg = (name: string, dflt: string): string =>
  new RegExp(`--${name}=([^ ]+)`).exec(process.argv.slice(2).join(' '))?.[1] ?? dflt;
const PARTS = arg('parts', 'send,fetch,idle,hop').split(',');
const SECONDS = Number(arg('seconds', '4'));
const NAME = arg('name', 'kafkajs');
const SIZES = arg('sizes', '1,10,100').split(',').map(Number);
const HOP_RATE = Number(arg('hop-rate', '200'));
const HOP_SECONDS = Number(arg('hop-seconds', '15'));
/** --profile-hop=DIR: a V8 CPU profile of each hop stage over its measured phase (bench/cpu-profile.preload.cjs). */
const PROFILE_DIR = arg('profile-hop', '');
const PRELOAD = join(__dirname, 'cpu-profile.preload.cjs');
const profiled = (label: string): { nodeArgs?: string[]; env?: Record<string, string> } =>
  PROFILE_DIR
    ? { nodeArgs: ['-r', PRELOAD], env: { CLEARANCE_CPU_PROFILE: join(PROFILE_DIR, `${label}.cpuprofile`) } }
    : {};
const HOP_STAGES = arg('hop-stages', 'raw,lib,eos').split(',');
const SEND_MODES = arg('send-modes', 'raw,batchingProducer,exactlyOnce').split(',');
/** The value's size: the pipeline's events are 1.5-4 KB (the decided one the largest). */
const VALUE_BYTES = Number(arg('value-bytes', '3000'));

interface Cost {
  /** CPU µs (user + system) per send, or per fetched batch. */
  cpuUs: number;
  userUs: number;
  cpuUsPerMessage: number;
  wallUsPer: number;
  count: number;
}

function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Runs `once` repeatedly for `seconds` (after a warm-up), CPU and wall per call. */
async function loop(seconds: number, messages: number, once: () => Promise<void>): Promise<Cost> {
  for (let i = 0; i < 50; i++) await once();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const until = Date.now() + seconds * 1000;
  let count = 0;
  while (Date.now() < until) {
    await once();
    count++;
  }
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    cpuUs: Math.round((cpu.user + cpu.system) / count),
    userUs: Math.round(cpu.user / count),
    cpuUsPerMessage: Math.round((cpu.user + cpu.system) / count / messages),
    wallUsPer: Math.round(wallUs / count),
    count,
  };
}

function decidedMessages(n: number): Message[] {
  return Array.from({ length: n }, () => {
    const m = encodeEvent(Topics.AccessDecided, aRequestChain().decided);
    const value = String(m.value);
    // padded to VALUE_BYTES inside the JSON (send and fetch do not validate it)
    const pad = Math.max(0, VALUE_BYTES - value.length - 10);
    return { ...m, value: `${value.slice(0, -1)},"pad":"${'x'.repeat(pad)}"}` };
  });
}

/** The transport's client, as KafkaConnection builds it. */
function transportClient(brokers: string): KafkaConnection {
  const settings: KafkaSettings = {
    ...DEFAULT_KAFKA_SETTINGS,
    brokers: brokers.split(','),
    clientId: `bench-kafkajs-${process.pid}`,
    groupId: `bench-kafkajs-${randomUUID()}`,
  };
  return new KafkaConnection(settings);
}

/** BatchingProducer's kafkajs options (batching.producer.ts). */
function rawProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
  });
}

/** ExactlyOnceDelivery's kafkajs options (exactly-once.delivery.ts). */
function transactionalProducer(kafka: Kafka): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    transactionalId: `bench-kafkajs-tx-${randomUUID()}`,
    transactionTimeout: 60_000,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { initialRetryTime: 20, retries: 10, maxRetryTime: 2000 },
  });
}

async function sendPart(brokers: string, test: TestKafka): Promise<Record<string, Record<number, Cost>>> {
  const connection = transportClient(brokers);
  const prefix = uniqueTopicPrefix('bench-kjs-send');
  await test.createTopics(prefix, [Topics.AccessDecided], 1);
  const topic = prefix + Topics.AccessDecided;
  const out: Record<string, Record<number, Cost>> = { raw: {}, batchingProducer: {}, exactlyOnce: {} };

  const raw = rawProducer(connection.kafka);
  await raw.connect();
  const batching = new BatchingProducer(connection.kafka, DEFAULT_KAFKA_SETTINGS);
  await batching.connect();
  const tx = transactionalProducer(connection.kafka);
  await tx.connect();
  for (const k of SIZES) {
    const messages = decidedMessages(k);
    if (SEND_MODES.includes('raw'))
      out.raw![k] = await loop(SECONDS, k, async () => {
        await raw.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
      });
    if (SEND_MODES.includes('batchingProducer'))
      out.batchingProducer![k] = await loop(SECONDS, k, () => batching.send([{ topic, messages }]));
    if (SEND_MODES.includes('exactlyOnce'))
      out.exactlyOnce![k] = await loop(SECONDS, k, async () => {
        const t = await tx.transaction();
        await t.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
        await t.sendOffsets({
          consumerGroupId: connection.settings.groupId,
          topics: [{ topic, partitions: [{ partition: 0, offset: '0' }] }],
        });
        await t.commit();
      });
    for (const [mode, r] of Object.entries(out))
      if (r[k]) process.stdout.write(`send ${mode} k=${k} ${JSON.stringify(r[k])}\n`);
  }
  await raw.disconnect();
  await batching.close();
  await tx.disconnect();
  return out;
}

/** A consumer with the transport's options (kafka-batch.server.ts), one partition batch of ~`batchBytes` a fetch. */
function transportConsumer(connection: KafkaConnection, batchBytes: number): Consumer {
  const s = connection.settings;
  const heartbeatInterval = Math.min(3_000, Math.floor(s.sessionTimeoutMs / 3));
  return connection.kafka.consumer({
    groupId: `bench-kafkajs-${randomUUID()}`,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    sessionTimeout: s.sessionTimeoutMs,
    heartbeatInterval,
    minBytes: s.fetchMinBytes,
    maxWaitTimeInMs: s.fetchMaxWaitMs,
    maxBytesPerPartition: batchBytes,
    maxBytes: batchBytes,
    retry: { initialRetryTime: 200, retries: 20, maxRetryTime: 1_000 },
  });
}

async function fetchPart(brokers: string, test: TestKafka): Promise<Record<number, Cost>> {
  const out: Record<number, Cost> = {};
  for (const k of SIZES) {
    const connection = transportClient(brokers);
    const prefix = uniqueTopicPrefix('bench-kjs-fetch');
    await test.createTopics(prefix, [Topics.AccessDecided], 1);
    const topic = prefix + Topics.AccessDecided;
    // enough batches for ~SECONDS of reading (a fetch of one batch costs ~0.5-1 ms of wall)
    const batches = Math.max(200, Math.round((SECONDS * 2000) / Math.sqrt(k)));
    const messages = decidedMessages(k);
    const producer = rawProducer(connection.kafka);
    await producer.connect();
    for (let i = 0; i < batches; i++)
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    await producer.disconnect();
    const bytes = messages.reduce((n, m) => n + String(m.value).length + 400, 0);
    const consumer = transportConsumer(connection, bytes);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const warm = 20;
    let seen = 0;
    let got = 0;
    let cpu0 = process.cpuUsage();
    let t0 = 0n;
    const done = new Promise<Cost>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: connection.settings.partitionsConsumedConcurrently,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          seen++;
          if (seen === warm) {
            cpu0 = process.cpuUsage();
            t0 = process.hrtime.bigint();
          } else if (seen > warm) got += batch.messages.length;
          resolveOffset(batch.messages.at(-1)!.offset);
          await heartbeat();
          if (got >= (batches - warm - 1) * k) {
            const n = seen - warm;
            const used = process.cpuUsage(cpu0);
            const cpu = used.user + used.system;
            resolve({
              cpuUs: Math.round(cpu / n),
              userUs: Math.round(used.user / n),
              cpuUsPerMessage: Math.round(cpu / got),
              wallUsPer: Math.round(Number(process.hrtime.bigint() - t0) / 1000 / n),
              count: n,
            });
          }
        },
      });
    });
    out[k] = await done;
    process.stdout.write(
      `fetch k=${k} ${JSON.stringify({ ...out[k], messagesPerBatch: got / out[k].count })}\n`,
    );
    await consumer.disconnect();
    await connection.onApplicationShutdown();
  }
  return out;
}

/** CPU of a connected producer + a consumer subscribed to an empty topic, doing nothing. */
async function idlePart(brokers: string, test: TestKafka): Promise<{ cpuMsPerSecond: number }> {
  const connection = transportClient(brokers);
  const prefix = uniqueTopicPrefix('bench-kjs-idle');
  await test.createTopics(prefix, [Topics.AccessDecided], 3);
  const producer = new BatchingProducer(connection.kafka, DEFAULT_KAFKA_SETTINGS);
  await producer.connect();
  await producer.send([{ topic: prefix + Topics.AccessDecided, messages: decidedMessages(1) }]);
  const consumer = transportConsumer(connection, 1024 * 1024);
  await consumer.connect();
  await consumer.subscribe({ topics: [prefix + Topics.AccessDecided], fromBeginning: false });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
  while (!joined) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000));
  const cpu0 = cpuNow();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpuMsPerSecond = +((cpuNow() - cpu0) / (Date.now() - t0)).toFixed(1);
  process.stdout.write(`idle producer + consumer: ${cpuMsPerSecond} ms CPU per second\n`);
  await consumer.disconnect();
  await producer.close();
  await connection.onApplicationShutdown();
  return { cpuMsPerSecond };
}

interface HopCost {
  cpuUsPerMessage: number;
  messages: number;
  idleCpuMsPerSecond: number;
}

/** Feeds one message at a time at HOP_RATE/s to a stage process and charges its CPU to the messages. */
async function hopOne(
  test: TestKafka,
  label: string,
  start: (prefix: string) => Promise<{ stop: () => Promise<void>; pid: number }>,
): Promise<HopCost> {
  const prefix = uniqueTopicPrefix(`bench-kjs-${label}`);
  await test.createTopics(prefix, [Topics.AccessRequested, Topics.AccessGeolocated, Topics.DeadLetter]);
  const out = await test.collector(prefix, Topics.AccessGeolocated);
  const stage = await start(prefix);
  const make = (): Message =>
    encodeEvent(Topics.AccessRequested, aRequestChain({ requestId: `req-${randomUUID()}` }).requested);
  // warm-up: until the stage answers
  await test.produceRaw(prefix, Topics.AccessRequested, [make()]);
  await out.waitForCount(1, 120_000);
  for (let i = 0; i < 200; i++) {
    await test.produceRaw(prefix, Topics.AccessRequested, [make()]);
    await new Promise((r) => setTimeout(r, 5));
  }
  await out.waitForCount(201, 120_000);
  const idle0 = cpuMs(stage.pid);
  await new Promise((r) => setTimeout(r, 3000));
  const idleCpuMsPerSecond = +((cpuMs(stage.pid) - idle0) / 3).toFixed(1);
  const before = out.messages.length;
  if (PROFILE_DIR) process.kill(stage.pid, 'SIGWINCH');
  const cpu0 = cpuMs(stage.pid);
  const total = HOP_RATE * HOP_SECONDS;
  const started = Date.now();
  for (let sent = 0; sent < total; sent++) {
    await test.produceRaw(prefix, Topics.AccessRequested, [make()]);
    const due = started + ((sent + 1) * 1000) / HOP_RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await out.waitForCount(before + total, 120_000);
  const cpu = cpuMs(stage.pid) - cpu0;
  if (PROFILE_DIR) {
    process.kill(stage.pid, 'SIGWINCH');
    const file = join(PROFILE_DIR, `${label}.cpuprofile`);
    await pollUntil(async () => existsSync(file), { timeoutMs: 60_000, intervalMs: 200, what: file });
  }
  await stage.stop();
  await out.stop();
  const r = { cpuUsPerMessage: Math.round((cpu * 1000) / total), messages: total, idleCpuMsPerSecond };
  process.stdout.write(`hop ${label}: ${JSON.stringify(r)}\n`);
  return r;
}

async function hopPart(brokers: string, test: TestKafka): Promise<Record<string, HopCost>> {
  const spawnRaw = async (prefix: string) => {
    const svc = await import('node:child_process').then(({ spawn }) =>
      spawn(
        process.execPath,
        [...(profiled('raw').nodeArgs ?? []), '-r', '@swc-node/register', __filename, '--raw-stage', prefix],
        {
          env: { ...process.env, KAFKA_BROKERS: brokers, ...profiled('raw').env },
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      ),
    );
    return {
      pid: svc.pid!,
      stop: async () => {
        const exited = new Promise((r) => svc.once('exit', r));
        svc.kill('SIGTERM');
        await exited;
      },
    };
  };
  const spawnLib = (exactlyOnce: boolean) => async (prefix: string) => {
    const s = await libStage(prefix, exactlyOnce, profiled(exactlyOnce ? 'eos' : 'lib'));
    return { stop: s.stop, pid: s.pid! };
  };
  const out: Record<string, HopCost> = {};
  if (HOP_STAGES.includes('raw')) out.raw = await hopOne(test, 'raw', spawnRaw);
  if (HOP_STAGES.includes('lib')) out.lib = await hopOne(test, 'lib', spawnLib(false));
  if (HOP_STAGES.includes('eos')) out.exactlyOnce = await hopOne(test, 'eos', spawnLib(true));
  return out;
}

async function main(): Promise<void> {
  const { brokers } = ensureInfra();
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const test = new TestKafka(brokers);
  const load = loadavg()[0];
  const result: Record<string, unknown> = { parts: PARTS, seconds: SECONDS, loadAverage1mStart: load };
  const sample = decidedMessages(1)[0]!;
  result.messageBytes = String(sample.value).length;
  result.headers = Object.keys(sample.headers ?? {}).length;
  if (PARTS.includes('send')) result.send = await sendPart(brokers, test);
  if (PARTS.includes('fetch')) result.fetch = await fetchPart(brokers, test);
  if (PARTS.includes('idle')) result.idle = await idlePart(brokers, test);
  if (PARTS.includes('hop')) result.hop = await hopPart(brokers, test);
  result.loadAverage1mEnd = loadavg()[0];
  await test.disconnect();
  writeResult(NAME, result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

async function rawStageMain(prefix: string): Promise<void> {
  const stage = await rawStage(process.env.KAFKA_BROKERS!, prefix);
  process.once('SIGTERM', () => void stage.stop().then(() => process.exit(0)));
}

const rawAt = process.argv.indexOf('--raw-stage');
void (rawAt > 0 ? rawStageMain(process.argv[rawAt + 1]!) : main()).then(
  () => (rawAt > 0 ? undefined : process.exit(0)),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
