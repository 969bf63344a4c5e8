import { randomUUID } from 'node:crypto';
import { type TopicEventMap, type TopicName } from '@clearance/contracts';
import {
  createTopicsAndWait,
  decodeHeaders,
  encodeEvent,
  splitByBytes,
  type ConsumedMessage,
} from '@clearance/kafka';
import { type Consumer, Kafka, logLevel, type Message, Partitioners, type Producer } from 'kafkajs';
import { pollUntil } from './poll';

/** A topic namespace of its own for one test file: pass it to services as KAFKA_TOPIC_PREFIX. */
export function uniqueTopicPrefix(label = 't'): string {
  return `test-${label}-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}.`;
}

/** A message a test read from a topic: a `ConsumedMessage` (libs/kafka) and where it was read. */
export interface CollectedMessage<E = unknown> extends ConsumedMessage<E> {
  topic: string;
  partition: number;
  key: string | null;
  /** The parsed JSON value, not validated (undefined when it is not JSON). */
  event: E;
}

export class Collector<E = unknown> {
  readonly messages: CollectedMessage<E>[] = [];
  /** Partition and offset of every collected message: a message read again after a restart is not collected twice. */
  private readonly seen = new Set<string>();
  private stopped = false;
  private restarting?: Promise<void>;
  private restartAgain = false;

  private consumer?: Consumer;
  /** For a fault test's failure message: how often kafkajs gave up on this reader, and when it last read. */
  private restarts = 0;
  private lastCrash?: string;
  private lastAddedAt?: number;

  constructor(private readonly start: (into: Collector<E>) => Promise<Consumer>) {}

  /** What a fault test prints when it misses messages: a reader stuck after an outage looks like a lost one. */
  describe(): string {
    const ago = (t?: number) => (t === undefined ? 'never' : `${Math.round((Date.now() - t) / 1000)} s ago`);
    return `collector: ${this.messages.length} read, last ${ago(this.lastAddedAt)}, ${this.restarts} restarts (last crash: ${this.lastCrash ?? 'none'})${this.restarting ? ', restarting now' : ''}`;
  }

  /** Notes why kafkajs gave up on the reader (its crash event), then restarts it. */
  crashed(err: unknown): void {
    this.lastCrash = `${new Date().toISOString()} ${String(err)}`;
    this.restart();
  }

  /** Starts the first consumer; resolves once it has joined and runs. */
  async open(): Promise<this> {
    this.consumer = await this.start(this);
    return this;
  }

  /** Keeps a message once per partition and offset; false when it was collected already. */
  add(message: CollectedMessage<E>): boolean {
    const key = `${message.topic}:${message.partition}:${message.offset}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.messages.push(message);
    this.lastAddedAt = Date.now();
    return true;
  }

  /**
   * After kafkajs gave up (a broker outage longer than its retries), read again under a fresh group: restarted in
   * the same group, kafkajs joins as a new member and the coordinator waits for the old one's session (30 s by
   * default) to expire, which a fault test would count as the pipeline's recovery time.
   */
  restart(): void {
    if (this.stopped) return;
    // a crash while a restart is under way (kafkajs reports a failed join through its crash event, and then
    // resolves run() as if it had started) means one more round
    if (this.restarting) {
      this.restartAgain = true;
      return;
    }
    this.restarts++;
    this.restarting = (async () => {
      const pause = () => new Promise((r) => setTimeout(r, 500));
      do {
        this.restartAgain = false;
        await this.consumer?.disconnect().catch(() => undefined);
        this.consumer = undefined;
        // a joining consumer crashes at once while the coordinator is still loading: not a busy loop of groups
        await pause();
        while (!this.stopped && !this.consumer) {
          try {
            this.consumer = await this.start(this);
          } catch {
            await pause();
          }
        }
      } while (this.restartAgain && !this.stopped);
    })().finally(() => (this.restarting = undefined));
  }

  async waitFor(
    until: (messages: CollectedMessage<E>[]) => boolean,
    timeoutMs = 60_000,
    what = 'messages',
  ): Promise<CollectedMessage<E>[]> {
    await pollUntil(() => until(this.messages), { timeoutMs, what });
    return this.messages;
  }

  async waitForCount(n: number, timeoutMs = 60_000): Promise<CollectedMessage<E>[]> {
    return this.waitFor((m) => m.length >= n, timeoutMs, `${n} messages (have ${this.messages.length})`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.restarting;
    await this.consumer?.disconnect();
  }
}

/** Kafka for tests: produce events or raw bytes to a namespaced topic, and collect what services produce. */
export class TestKafka {
  readonly kafka: Kafka;
  private producer?: Producer;
  private readonly consumers = new Set<Consumer>();
  private readonly collectors = new Set<Collector<unknown>>();

  constructor(brokers: string = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092') {
    this.kafka = new Kafka({
      clientId: 'clearance-test',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
  }

  async createTopics(prefix: string, topics: readonly TopicName[], partitions = 3): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await createTopicsAndWait(
        admin,
        topics.map((t) => ({ topic: prefix + t, numPartitions: partitions, replicationFactor: 1 })),
      );
    } finally {
      await admin.disconnect();
    }
  }

  private async getProducer(): Promise<Producer> {
    if (!this.producer) {
      this.producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await this.producer.connect();
    }
    return this.producer;
  }

  async produce<T extends TopicName>(
    prefix: string,
    topic: T,
    events: readonly TopicEventMap[T][],
  ): Promise<void> {
    await this.produceRaw(
      prefix,
      topic,
      events.map((e) => encodeEvent(topic, e)),
    );
  }

  /** Sends messages as given: for poison input (bad JSON, wrong schema, oversized). */
  async produceRaw(prefix: string, topic: TopicName, messages: Message[]): Promise<void> {
    const producer = await this.getProducer();
    for (const request of splitByBytes([{ topic: prefix + topic, messages }], 768 * 1024)) {
      await producer.sendBatch({ topicMessages: request, acks: -1 });
    }
  }

  /**
   * Starts reading a topic from its beginning with a group of its own; after a crash (a long broker outage) it
   * reads it again under a new group and keeps each partition and offset once.
   */
  async collector<E = unknown>(
    prefix: string,
    topic: TopicName,
    { readCommitted = true }: { readCommitted?: boolean } = {},
  ): Promise<Collector<E>> {
    const start = async (collector: Collector<E>): Promise<Consumer> => {
      const consumer = this.kafka.consumer({
        groupId: `test-collector-${randomUUID()}`,
        readUncommitted: !readCommitted,
        maxWaitTimeInMs: 100,
        // ride out a short outage probing once a second; a longer one ends in a crash and a fresh group
        retry: {
          initialRetryTime: 100,
          maxRetryTime: 1000,
          retries: 10,
          restartOnFailure: async () => false,
        },
      });
      this.consumers.add(consumer);
      try {
        consumer.on(consumer.events.CRASH, ({ payload }) => collector.crashed(payload.error));
        await consumer.connect();
        await consumer.subscribe({ topic: prefix + topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ topic: t, partition, message }) => {
            const raw = message.value?.toString('utf8') ?? '';
            let event: unknown;
            try {
              event = JSON.parse(raw);
            } catch {
              event = undefined;
            }
            collector.add({
              topic: t,
              partition,
              offset: message.offset,
              key: message.key?.toString('utf8') ?? null,
              headers: decodeHeaders(message.headers),
              raw,
              event: event as E,
              timestamp: message.timestamp,
            });
          },
        });
        return consumer;
      } catch (err) {
        this.consumers.delete(consumer);
        await consumer.disconnect().catch(() => undefined);
        throw err;
      }
    };
    const collector = new Collector<E>(start);
    this.collectors.add(collector as Collector<unknown>);
    return collector.open();
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.collectors].map((c) => c.stop().catch(() => undefined)));
    await Promise.all([...this.consumers].map((c) => c.disconnect().catch(() => undefined)));
    await this.producer?.disconnect();
  }
}
