/** One consume → produce hop over the real broker, measured for throughput and latency (shared by benches). */
import { randomUUID } from 'node:crypto';
import { Topics } from '@clearance/contracts';
import { encodeEvent } from '@clearance/kafka';
import { aRequestedEvent, spawnService, type TestKafka } from '@clearance/testing';
import { Kafka, logLevel, type Message, Partitioners } from 'kafkajs';
import { rssMiB, summarize } from './bench.support';

export const RATE = 2_000; // messages/s for the latency run
const LATENCY_SECONDS = 10;

export interface HopResult {
  throughputPerSec: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  rssMiB?: number;
}

function makeMessages(n: number): Message[] {
  return Array.from({ length: n }, () => encodeEvent(Topics.AccessRequested, aRequestedEvent()));
}

async function preload(kafka: TestKafka, prefix: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 1000) {
    await kafka.produceRaw(prefix, Topics.AccessRequested, messages.slice(i, i + 1000));
  }
}

/** Drains a preloaded backlog (throughput), then feeds messages at a fixed rate (hop latency). */
export async function measure(
  kafka: TestKafka,
  prefix: string,
  N: number,
  startStage: (prefix: string) => Promise<{ stop: () => Promise<void>; pid?: number }>,
): Promise<HopResult> {
  await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessGeolocated, Topics.DeadLetter]);
  await preload(kafka, prefix, makeMessages(N));
  const out = await kafka.collector(prefix, Topics.AccessGeolocated);
  const stage = await startStage(prefix);
  await out.waitForCount(N, 600_000);
  // count from the first output, so start-up and group join are not charged to throughput
  const firstTs = Math.min(...out.messages.slice(0, 1000).map((m) => Date.parse(m.headers.ce_time!)));
  const lastTs = Math.max(...out.messages.slice(-1000).map((m) => Date.parse(m.headers.ce_time!)));
  const throughputPerSec = Math.round(N / ((lastTs - firstTs) / 1000));

  const sentAt = new Map<string, number>();
  const latencyStart = out.messages.length;
  const total = RATE * LATENCY_SECONDS;
  const perTick = RATE / 100;
  for (let sent = 0; sent < total; sent += perTick) {
    const msgs = makeMessages(perTick);
    const now = Date.now();
    for (const m of msgs) sentAt.set(String(m.key), now);
    await kafka.produceRaw(prefix, Topics.AccessRequested, msgs);
    await new Promise((r) => setTimeout(r, 10));
  }
  await out.waitForCount(latencyStart + total, 120_000);
  const lat: number[] = [];
  for (const m of out.messages.slice(latencyStart)) {
    const s = sentAt.get(String(m.key));
    if (s !== undefined) lat.push(Date.parse(m.headers.ce_time!) - s);
  }
  const rss = stage.pid ? rssMiB(stage.pid) : undefined;
  await stage.stop();
  await out.stop();
  return { throughputPerSec, latencyMs: summarize(lat), ...(rss ? { rssMiB: rss } : {}) };
}

/** The same hop with raw kafkajs: eachBatch, one sendBatch per batch (acks = all), commit after ack. */
export async function rawStage(brokers: string, prefix: string): Promise<{ stop: () => Promise<void> }> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: prefix + Topics.AccessRequested, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, resolveOffset }) => {
      const messages = batch.messages.map((m) => {
        const e = JSON.parse(m.value!.toString());
        const time = new Date().toISOString();
        return {
          key: m.key,
          value: JSON.stringify({ ...e, time }),
          headers: { ...m.headers, ce_time: time },
        };
      });
      await producer.sendBatch({
        acks: -1,
        topicMessages: [{ topic: prefix + Topics.AccessGeolocated, messages }],
      });
      const last = batch.messages[batch.messages.length - 1]!.offset;
      resolveOffset(last);
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
    },
  });
  return {
    stop: async () => {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

export async function libStage(
  prefix: string,
  exactlyOnce: boolean,
  /** Extra node options and environment (e.g. bench/cpu-profile.preload.cjs and its CLEARANCE_CPU_PROFILE). */
  extra: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<{ stop: () => Promise<void>; pid?: number }> {
  const svc = await spawnService('geolocation', {
    entry: 'libs/testing/src/passthrough/passthrough.main.ts',
    env: {
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_EXACTLY_ONCE: String(exactlyOnce),
      LOG_LEVEL: 'warn',
      ...extra.env,
    },
    ...(extra.nodeArgs ? { nodeArgs: extra.nodeArgs } : {}),
  });
  await svc.waitReady();
  return { stop: async () => void (await svc.stop()), pid: svc.child.pid };
}
