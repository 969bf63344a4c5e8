import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  BaseRpcContext,
  type CustomTransportStrategy,
  type MessageHandler,
  Server,
} from '@nestjs/microservices';
import { isTopicName, parseEvent, type StageName, type TopicName, Topics } from '@clearance/contracts';
import {
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type Message,
  type TopicMessages,
} from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { mapWithConcurrency, sleep } from './concurrency';
import { deadLetterFor, requestIdOf } from './dead-letter.factory';
import { decodeHeaders, encodeEvent } from './event.codec';
import { EventPublisher } from './event.publisher';
import { isTransientError } from './errors';
import { KafkaConnection } from './kafka.connection';
import { kafkaMetrics } from './kafka.metrics';
import { CONSUMER_RETRY, KAFKA_SETTINGS, type KafkaSettings } from './kafka.settings';
import type { ConsumedBatch, ConsumedMessage, Outbound } from './outbound';
import { AtLeastOnceDelivery } from './at-least-once.delivery';
import type { ChunkDelivery } from './delivery';
import { ExactlyOnceDelivery } from './exactly-once.delivery';

export const KAFKA_STAGE = Symbol('KAFKA_STAGE');

/** What a message handler receives besides the payload: where the message came from. */
export class KafkaEventContext extends BaseRpcContext<[topic: TopicName, partition: number, offset: string]> {
  getTopic(): TopicName {
    return this.args[0];
  }
  getPartition(): number {
    return this.args[1];
  }
  getOffset(): string {
    return this.args[2];
  }
}

type Delivery = { messages: Map<string, Message[]>; dead: number };

/**
 * A failing chunk is retried at least once a second: once the broker is back, the stalled chunk notices within a
 * second (at 5 s, each stage waited out one backoff after a broker outage, issue 18; one cheap probe a second per
 * stalled partition costs nothing).
 */
const MAX_BACKOFF_MS = 1000;
/** SIGTERM to exit stays within the 10 s a scheduler grants, leaving time to disconnect. */
const DRAIN_TIMEOUT_MS = 6000;
/** Leaving the group after the drain; a consumer that cannot leave is dropped by the session timeout. */
const DISCONNECT_TIMEOUT_MS = 2000;
/** A stage whose chunks have failed for this long reports not-ready (it is retrying, but deciding nothing). */
export const NO_PROGRESS_MS = 20_000;

const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE',
  'FENCED_INSTANCE_ID',
]);

function isRebalanceError(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === 'string' && REBALANCE_ERRORS.has(type);
}

/**
 * A NestJS transport strategy that keeps the `@EventPattern` idiom but consumes Kafka in batches: it validates
 * every message against its topic's event class, runs handlers with bounded concurrency, produces what they
 * return in one batch (acks = all, idempotent, or inside a transaction in exactly-once mode), and commits the
 * input offsets only after that. Bad messages go to the dead-letter topic; transient failures are retried with
 * backoff and nothing is committed meanwhile.
 */
@Injectable()
export class KafkaBatchServer extends Server implements CustomTransportStrategy, OnModuleDestroy {
  protected override readonly logger = new Logger(KafkaBatchServer.name);
  private consumer?: Consumer;
  /** Since when chunks have kept failing (unset while they succeed), and the last failure. */
  private failingSince?: number;
  private lastFailure?: string;
  private crashError?: string;
  private running = false;
  private joined = false;
  private stopping?: Promise<void>;
  private draining = false;
  private readonly inflight = new Set<Promise<boolean>>();
  private readonly heartbeatEveryMs: number;
  private readonly delivery: ChunkDelivery;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly publisher: EventPublisher,
    @Inject(KAFKA_SETTINGS) private readonly settings: KafkaSettings,
    @Inject(KAFKA_STAGE) private readonly stage: StageName,
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
    if (this.failingSince !== undefined && Date.now() - this.failingSince > NO_PROGRESS_MS)
      return `no progress for ${Math.round((Date.now() - this.failingSince) / 1000)} s: ${this.lastFailure}`;
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
      this.delivery.groupJoined();
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
        eachBatch: (payload) => this.onBatch(payload),
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

  private logicalTopic(physical: string): TopicName {
    const logical = physical.slice(this.settings.topicPrefix.length) as TopicName;
    return logical;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const topic = this.logicalTopic(batch.topic);
    const handler = this.messageHandlers.get(topic);
    if (!handler) return;
    kafkaMetrics.consumerLag.set({ topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    kafkaMetrics.batchSize.observe({ direction: 'in' }, batch.messages.length);
    const { chunkSize } = this.settings;
    for (let i = 0; i < batch.messages.length; i += chunkSize) {
      if (!isRunning() || isStale() || this.draining) return;
      const chunk = batch.messages.slice(i, i + chunkSize);
      const last = chunk[chunk.length - 1]!;
      const work = this.processWithRetry(topic, batch.topic, batch.partition, chunk, handler, payload);
      this.inflight.add(work);
      const done = await work.finally(() => this.inflight.delete(work));
      if (!done) return;
      resolveOffset(last.offset);
      kafkaMetrics.messagesIn.inc({ topic }, chunk.length);
      await heartbeat();
    }
  }

  /** Processes and delivers one chunk, retrying transient failures; false when the consumer stopped meanwhile. */
  private async processWithRetry(
    topic: TopicName,
    physical: string,
    partition: number,
    chunk: KafkaMessage[],
    handler: MessageHandler,
    payload: EachBatchPayload,
  ): Promise<boolean> {
    const { heartbeat } = payload;
    const next = (BigInt(chunk[chunk.length - 1]!.offset) + 1n).toString();
    // kafkajs heartbeats only between batches: keep the membership alive while a slow chunk (a database
    // write, a retry) runs, or the group evicts this member and the chunk is processed twice
    const beat = setInterval(() => void heartbeat().catch(() => undefined), this.heartbeatEveryMs);
    try {
      return await this.attemptUntilDone(topic, physical, partition, chunk, handler, next, payload);
    } finally {
      clearInterval(beat);
    }
  }

  private async attemptUntilDone(
    topic: TopicName,
    physical: string,
    partition: number,
    chunk: KafkaMessage[],
    handler: MessageHandler,
    next: string,
    { heartbeat, isRunning, isStale }: EachBatchPayload,
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const started = process.hrtime.bigint();
      try {
        // a failed attempt may have been delivered after all (exactly-once: its transaction committed before the
        // broker could answer); redoing the chunk then would decide it twice
        if (attempt > 0 && (await this.delivery.alreadyDelivered?.(physical, partition, next))) {
          this.failingSince = undefined;
          return true;
        }
        const delivery = handler.extras?.batch
          ? await this.runBatchHandler(topic, physical, partition, chunk, handler)
          : await this.runMessageHandlers(topic, physical, partition, chunk, handler);
        await this.deliver(delivery, physical, partition, next);
        kafkaMetrics.handlerSeconds.observe({ topic }, Number(process.hrtime.bigint() - started) / 1e9);
        this.failingSince = undefined;
        return true;
      } catch (err) {
        this.failingSince ??= Date.now();
        this.lastFailure = (err as Error).message;
        // the group moved on (rebalance, eviction): hand control back to kafkajs so that it rejoins; the chunk
        // is uncommitted and comes back to whoever owns the partition now
        if (isRebalanceError(err)) throw err;
        if (!isRunning() || isStale() || this.draining) return false;
        kafkaMetrics.retries.inc({ topic });
        const backoff = Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt);
        this.logger.warn({
          msg: 'batch failed, will retry',
          topic,
          partition,
          offset: chunk[0]!.offset,
          attempt: attempt + 1,
          backoffMs: backoff,
          err: (err as Error).message,
        });
        await sleep(backoff);
        await heartbeat().catch(() => undefined);
      }
    }
  }

  private async invoke(handler: MessageHandler, data: unknown, ctx: KafkaEventContext): Promise<unknown> {
    const result: unknown = await handler(data, ctx);
    // most handlers return plain values: skip the rxjs round trip unless there is a stream
    return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
  }

  private async runMessageHandlers(
    topic: TopicName,
    physical: string,
    partition: number,
    chunk: KafkaMessage[],
    handler: MessageHandler,
  ): Promise<Delivery> {
    const delivery: Delivery = { messages: new Map(), dead: 0 };
    const results = await mapWithConcurrency(chunk, this.settings.handlerConcurrency, async (message) => {
      const rejected = this.check(topic, physical, partition, message);
      if ('dead' in rejected) return rejected;
      try {
        const out = await this.invoke(
          handler,
          rejected.event,
          new KafkaEventContext([topic, partition, message.offset]),
        );
        return { out: (out ?? []) as Outbound | Outbound[] };
      } catch (err) {
        if (isTransientError(err)) throw err;
        this.logger.warn({
          msg: 'handler failed, dead-lettering',
          topic,
          offset: message.offset,
          err: String(err),
        });
        return {
          dead: deadLetterFor(
            this.stage,
            { topic: physical, partition, message },
            {
              kind: 'handler-error',
              reason: `${this.stage} could not process the event: ${(err as Error).message ?? String(err)}`,
              requestId: requestIdOf(rejected.event, message.key),
            },
          ),
        };
      }
    });
    for (const r of results) {
      if ('dead' in r) this.add(delivery, Topics.DeadLetter, r.dead, topic);
      else for (const o of Array.isArray(r.out) ? r.out : [r.out]) this.add(delivery, o.topic, o.event);
    }
    return delivery;
  }

  private async runBatchHandler(
    topic: TopicName,
    physical: string,
    partition: number,
    chunk: KafkaMessage[],
    handler: MessageHandler,
  ): Promise<Delivery> {
    const delivery: Delivery = { messages: new Map(), dead: 0 };
    const messages: ConsumedMessage<unknown>[] = [];
    for (const message of chunk) {
      const checked = this.check(topic, physical, partition, message);
      if ('dead' in checked) this.add(delivery, Topics.DeadLetter, checked.dead, topic);
      else
        messages.push({
          event: checked.event,
          raw: message.value!.toString('utf8'),
          offset: message.offset,
          headers: decodeHeaders(message.headers),
          timestamp: message.timestamp,
        });
    }
    if (messages.length > 0) {
      const batch: ConsumedBatch<unknown> = { topic, partition, messages };
      const out = await this.invoke(
        handler,
        batch,
        new KafkaEventContext([topic, partition, chunk[0]!.offset]),
      );
      if (out)
        for (const o of Array.isArray(out) ? (out as Outbound[]) : [out as Outbound])
          this.add(delivery, o.topic, o.event);
    }
    return delivery;
  }

  /** Size and schema checks; a message that fails them becomes a dead letter. */
  private check(
    topic: TopicName,
    physical: string,
    partition: number,
    message: KafkaMessage,
  ): { event: unknown } | { dead: ReturnType<typeof deadLetterFor> } {
    const source = { topic: physical, partition, message };
    const size = message.value?.length ?? 0;
    if (size > this.settings.maxMessageBytes) {
      return {
        dead: deadLetterFor(this.stage, source, {
          kind: 'oversized',
          reason: `message of ${size} bytes exceeds the ${this.settings.maxMessageBytes}-byte limit`,
          requestId: requestIdOf(undefined, message.key),
        }),
      };
    }
    const parsed = parseEvent(topic, message.value);
    if (!parsed.ok) {
      return {
        dead: deadLetterFor(this.stage, source, {
          kind: parsed.kind,
          reason: parsed.reason,
          details: parsed.details,
          requestId: requestIdOf(undefined, message.key),
        }),
      };
    }
    return { event: parsed.event };
  }

  private add(delivery: Delivery, topic: TopicName, event: Outbound['event'], from?: TopicName): void {
    const physical = this.connection.topic(topic);
    let list = delivery.messages.get(physical);
    if (!list) delivery.messages.set(physical, (list = []));
    list.push(encodeEvent(topic, event));
    if (topic === Topics.DeadLetter) {
      delivery.dead++;
      kafkaMetrics.deadLetters.inc({ topic: from ?? topic, kind: (event as { kind: string }).kind });
    }
  }

  /** Produces the chunk's outputs and commits its input offset, in the configured delivery mode. */
  private async deliver(
    delivery: Delivery,
    physical: string,
    partition: number,
    nextOffset: string,
  ): Promise<void> {
    const topicMessages: TopicMessages[] = [...delivery.messages].map(([topic, messages]) => ({
      topic,
      messages,
    }));
    await this.delivery.deliver(topicMessages, physical, partition, nextOffset);
  }

  /** Stop fetching, let the in-flight batch finish and commit, then disconnect. */
  async close(): Promise<void> {
    this.stopping ??= (async () => {
      // finish (and commit) the chunks in flight, start no new ones, then leave the group
      this.draining = true;
      if (this.inflight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...this.inflight]),
          new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS))),
        ]);
        clearTimeout(timer);
      }
      // the drained chunks' offsets: committed while the consumer still runs (kafkajs refuses commits after)
      await this.delivery.flush();
      this.running = false;
      if (this.consumer) {
        // kafkajs' disconnect waits for the batch handler still running (a chunk the drain gave up on, e.g. one
        // stuck on a database): its offsets are not committed, so leaving without it loses nothing
        let timer: NodeJS.Timeout | undefined;
        const left = await Promise.race([
          this.consumer.disconnect().then(
            () => true,
            (err: unknown) => {
              this.logger.warn({ msg: 'disconnect', err: String(err) });
              return true;
            },
          ),
          new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DISCONNECT_TIMEOUT_MS))),
        ]);
        clearTimeout(timer);
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
