import { randomUUID } from 'node:crypto';
import { type TopicEventMap, type TopicName } from '@clearance/contracts';
import { createTopicsAndWait, decodeHeaders, encodeEvent, splitByBytes } from '@clearance/kafka';
import { type Consumer, Kafka, logLevel, type Message, Partitioners, type Producer } from 'kafkajs';
import { pollUntil } from './poll';

/** A topic namespace of its own for one test file: pass it to services as KAFKA_TOPIC_PREFIX. */
export function uniqueTopicPrefix(label = 't'): string {
  return `test-${label}-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}.`;
}

export interface CollectedMessage<E = unknown> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  raw: string;
  /** The parsed JSON value (undefined when it is not JSON). */
  event: E;
}

export class Collector<E = unknown> {
  readonly messages: CollectedMessage<E>[] = [];
  constructor(private readonly consumer: Consumer) {}

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
    await this.consumer.disconnect();
  }
}

/** Kafka for tests: produce events or raw bytes to a namespaced topic, and collect what services produce. */
export class TestKafka {
  readonly kafka: Kafka;
  private producer?: Producer;
  private readonly consumers = new Set<Consumer>();

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

  /** Starts reading a topic from its beginning with a group of its own. */
  async collector<E = unknown>(
    prefix: string,
    topic: TopicName,
    { readCommitted = true }: { readCommitted?: boolean } = {},
  ): Promise<Collector<E>> {
    const consumer = this.kafka.consumer({
      groupId: `test-collector-${randomUUID()}`,
      readUncommitted: !readCommitted,
      maxWaitTimeInMs: 100,
    });
    this.consumers.add(consumer);
    const collector = new Collector<E>(consumer);
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
        collector.messages.push({
          topic: t,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          headers: decodeHeaders(message.headers),
          raw,
          event: event as E,
        });
      },
    });
    return collector;
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect().catch(() => undefined)));
    await this.producer?.disconnect();
  }
}
