import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isTopicName, type StageName, type TopicName, Topics } from '@clearance/contracts';
import type { Consumer } from 'kafkajs';
import { AtLeastOnceDelivery } from './at-least-once.delivery';
import { ChunkRunner } from './chunk.runner';
import { settledWithin } from './concurrency';
import type { ChunkDelivery } from './delivery';
import { EventPublisher } from './event.publisher';
import { ExactlyOnceDelivery } from './exactly-once.delivery';
import { KafkaConnection } from './kafka.connection';
import { CONSUMER_RETRY, KAFKA_SETTINGS, type KafkaSettings } from './kafka.settings';

export const KAFKA_STAGE = Symbol('KAFKA_STAGE');

/** SIGTERM to exit stays within the 10 s a scheduler grants, leaving time to disconnect. */
const DRAIN_TIMEOUT_MS = 6000;
/** Leaving the group after the drain; a consumer that cannot leave is dropped by the session timeout. */
const DISCONNECT_TIMEOUT_MS = 2000;
/** A stage whose chunks have failed for this long reports not-ready (it is retrying, but deciding nothing). */
export const NO_PROGRESS_MS = 20_000;

/**
 * A NestJS transport strategy that keeps the `@EventPattern` idiom but consumes Kafka in batches. It owns the
 * consumer's lifecycle (listen, health, drain on close) and wires two parts: the `ChunkRunner` (validate, run the
 * handlers, retry, dead-letter) and the delivery mode, `AtLeastOnceDelivery` (produce, then commit) or
 * `ExactlyOnceDelivery` (output and offset in one transaction, KAFKA_EXACTLY_ONCE).
 */
@Injectable()
export class KafkaBatchServer extends Server implements CustomTransportStrategy, OnModuleDestroy {
  protected override readonly logger = new Logger(KafkaBatchServer.name);
  private consumer?: Consumer;
  private crashError?: string;
  private running = false;
  private joined = false;
  private stopping?: Promise<void>;
  private readonly heartbeatEveryMs: number;
  private readonly delivery: ChunkDelivery;
  private readonly runner: ChunkRunner;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly publisher: EventPublisher,
    @Inject(KAFKA_SETTINGS) private readonly settings: KafkaSettings,
    @Inject(KAFKA_STAGE) stage: StageName,
  ) {
    super();
    this.heartbeatEveryMs = Math.min(3_000, Math.floor(settings.sessionTimeoutMs / 3));
    this.delivery = settings.exactlyOnce
      ? new ExactlyOnceDelivery(connection, settings)
      : new AtLeastOnceDelivery(
          publisher.producer,
          (offsets) => this.consumer!.commitOffsets(offsets),
          settings.commitIntervalMs,
        );
    this.runner = new ChunkRunner(
      stage,
      settings,
      (topic) => this.messageHandlers.get(topic),
      this.delivery,
      this.heartbeatEveryMs,
    );
  }

  on(): never {
    throw new Error('KafkaBatchServer does not emit events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  /** Topics with an @EventPattern handler in this service. */
  handledTopics(): TopicName[] {
    return [...this.messageHandlers.keys()].filter(isTopicName);
  }

  /** Null while healthy; a reason when the consumer stopped for good. */
  healthProblem(): string | null {
    if (this.crashError) return `consumer crashed: ${this.crashError}`;
    if (this.consumer && !this.running && !this.stopping) return 'consumer is not running';
    if (this.consumer && !this.joined) return 'consumer has not joined its group yet';
    const failing = this.runner.failing();
    if (failing && Date.now() - failing.sinceMs > NO_PROGRESS_MS)
      return `no progress for ${Math.round((Date.now() - failing.sinceMs) / 1000)} s: ${failing.reason}`;
    return null;
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (err) {
      callback(err);
    }
  }

  private async start(): Promise<void> {
    const topics = this.handledTopics();
    const unknown = [...this.messageHandlers.keys()].filter((p) => !isTopicName(p));
    if (unknown.length > 0) throw new Error(`@EventPattern on unknown topics: ${unknown.join(', ')}`);
    if (topics.length === 0) return;
    await this.connection.ensureTopics([...topics, Topics.DeadLetter]);
    await this.publisher.producer.connect();
    await this.delivery.start();
    this.runner.prepare();
    const consumer = this.connection.kafka.consumer({
      groupId: this.settings.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatEveryMs,
      minBytes: this.settings.fetchMinBytes,
      maxWaitTimeInMs: this.settings.fetchMaxWaitMs,
      // after the retries kafkajs restarts the consumer as a new member, which waits out the old one's session
      retry: { ...CONSUMER_RETRY },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) {
        this.crashError = payload.error.message;
        this.running = false;
        this.logger.error({ msg: 'consumer crashed and will not restart', err: payload.error.message });
      }
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.delivery.groupJoined({ generationId: payload.generationId, memberId: payload.memberId });
      this.logger.log({
        msg: 'joined consumer group',
        groupId: payload.groupId,
        assignment: payload.memberAssignment,
      });
    });
    // a member whose heartbeat the coordinator accepts is in the group: after a broker restart kafkajs reports
    // "rebalancing" (the coordinator was not loaded yet), its rejoin fails on COORDINATOR_LOAD_IN_PROGRESS and it
    // carries on in its old, still valid generation without a GROUP_JOIN (issue 18: ready again only on one)
    consumer.on(consumer.events.HEARTBEAT, () => {
      this.joined = true;
    });
    consumer.on(consumer.events.REBALANCING, () => {
      this.joined = false;
      this.delivery.rebalancing();
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: topics.map((t) => this.connection.topic(t)), fromBeginning: true });
    this.running = true;
    // kafkajs resolves run() only after the group join, which can take a rebalance timeout: the HTTP side
    // (health, metrics) comes up meanwhile, and readiness waits for the join
    consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.runner.runBatch(payload),
      })
      .catch((err: unknown) => {
        this.crashError = (err as Error).message;
        this.running = false;
        this.logger.error({ msg: 'consumer failed to start', err: (err as Error).message });
      });
    this.logger.log({
      msg: 'consuming',
      topics,
      groupId: this.settings.groupId,
      exactlyOnce: this.settings.exactlyOnce,
    });
  }

  /** Stop fetching, let the in-flight batch finish and commit, then disconnect. */
  async close(): Promise<void> {
    this.stopping ??= (async () => {
      // finish (and commit) the chunks in flight, start no new ones, then leave the group
      await this.runner.drain(DRAIN_TIMEOUT_MS);
      // the drained chunks' offsets: committed while the consumer still runs (kafkajs refuses commits after)
      await this.delivery.flush();
      this.running = false;
      if (this.consumer) {
        // kafkajs' disconnect waits for the batch handler still running (a chunk the drain gave up on, e.g. one
        // stuck on a database): its offsets are not committed, so leaving without it loses nothing
        const leaving = this.consumer
          .disconnect()
          .catch((err: unknown) => this.logger.warn({ msg: 'disconnect', err: String(err) }));
        const left = await settledWithin(leaving, DISCONNECT_TIMEOUT_MS);
        this.logger.log({
          msg: left ? 'consumer stopped' : 'consumer stopped without leaving its group (a handler is stuck)',
        });
      }
      await this.delivery.close();
    })();
    return this.stopping;
  }

  // Drained before the other shutdown hooks run, so the database is still there for the last batch.
  async onModuleDestroy(): Promise<void> {
    await this.close();
  }
}
