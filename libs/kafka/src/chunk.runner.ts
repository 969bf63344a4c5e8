import { Logger } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import {
  compileEventSchemas,
  parseEvent,
  type StageName,
  type TopicName,
  Topics,
} from '@clearance/contracts';
import type { EachBatchPayload, KafkaMessage, Message, TopicMessages } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { mapWithConcurrency, settledWithin, sleep } from './concurrency';
import { deadLetterFor, requestIdOf } from './dead-letter.factory';
import type { ChunkDelivery } from './delivery';
import { decodeHeaders, encodeEvent } from './event.codec';
import { isTransientError } from './errors';
import { KafkaEventContext } from './kafka-event.context';
import { kafkaMetrics } from './kafka.metrics';
import { type KafkaSettings, physicalTopic } from './kafka.settings';
import type { PartitionOffset } from './offset.committer';
import type { ConsumedBatch, ConsumedMessage, Outbound } from './outbound';

/** A chunk's output so far, by physical topic. */
type Output = Map<string, Message[]>;

/** Messages of one partition batch processed, delivered and committed as one unit. */
interface Chunk {
  /** The logical topic (without the prefix): it picks the event class and labels the metrics. */
  topic: TopicName;
  messages: KafkaMessage[];
  /** The physical topic and partition it came from, and the offset that marks it done (after its last message). */
  done: PartitionOffset;
}

/**
 * A failing chunk is retried at least once a second: once the broker is back, the stalled chunk notices within a
 * second (at 5 s, each stage waited out one backoff after a broker outage, issue 18; one cheap probe a second per
 * stalled partition costs nothing).
 */
const MAX_BACKOFF_MS = 1000;

/**
 * The handlers of a chunk run as one chain of promise callbacks, which lets no timer run (the heartbeat's
 * included) until the chunk is done: at load 20 one chunk of 200 held the event loop for 1–2.6 s. After this long
 * the handlers pause for one turn of the event loop.
 */
const YIELD_EVERY_MS = 50;

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

type RunnerSettings = Pick<
  KafkaSettings,
  'topicPrefix' | 'chunkSize' | 'handlerConcurrency' | 'maxMessageBytes'
>;

/**
 * The consumer's run loop, one fetched partition batch at a time (kafkajs `eachBatch`): it cuts the batch into
 * chunks of `chunkSize`, validates each message against its topic's event class (a bad one becomes a dead letter),
 * runs the topic's handler — per message with bounded concurrency, or once per chunk for `{ batch: true }`
 * handlers — and hands the chunk's output to the delivery mode, which produces it and commits the chunk. A
 * transient failure retries the whole chunk with backoff, committing nothing meanwhile; a poison message is
 * dead-lettered instead of blocking its partition.
 */
export class ChunkRunner {
  private readonly logger = new Logger(ChunkRunner.name);
  private readonly inflight = new Set<Promise<boolean>>();
  private draining = false;
  /** Since when chunks have kept failing (unset while they succeed). */
  private failingSinceMs?: number;
  private lastFailure?: string;

  constructor(
    private readonly stage: StageName,
    private readonly settings: RunnerSettings,
    private readonly handlerOf: (topic: TopicName) => MessageHandler | undefined,
    private readonly delivery: ChunkDelivery,
    /** kafkajs heartbeats only between batches: how often to beat while one chunk runs. */
    private readonly heartbeatEveryMs: number,
  ) {}

  /** Since when chunks have kept failing and the last failure; undefined while they succeed. */
  failing(): { sinceMs: number; reason: string } | undefined {
    return this.failingSinceMs === undefined
      ? undefined
      : { sinceMs: this.failingSinceMs, reason: this.lastFailure ?? 'unknown' };
  }

  /**
   * Compiles the event validators now, before the consumer joins its group. Left to the first message,
   * the compile (all event schemas, synchronously: 5–11 s of wall time at load 20) ran inside the first chunk after
   * the join, kept the heartbeats from going out past the session timeout, and the member was evicted and its
   * first chunk processed twice (issue 12's SIGTERM drain and Tor-swap flakes).
   */
  prepare(): void {
    compileEventSchemas();
  }

  /** kafkajs' `eachBatch`. */
  async runBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const topic = batch.topic.slice(this.settings.topicPrefix.length) as TopicName;
    const handler = this.handlerOf(topic);
    if (!handler) return;
    kafkaMetrics.consumerLag.set({ topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    kafkaMetrics.batchSize.observe({ direction: 'in' }, batch.messages.length);
    const { chunkSize } = this.settings;
    for (let i = 0; i < batch.messages.length; i += chunkSize) {
      if (!isRunning() || isStale() || this.draining) return;
      const messages = batch.messages.slice(i, i + chunkSize);
      const last = messages[messages.length - 1]!.offset;
      const chunk: Chunk = {
        topic,
        messages,
        done: { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      };
      const work = this.processWithRetry(chunk, handler, payload);
      this.inflight.add(work);
      const delivered = await work.finally(() => this.inflight.delete(work));
      if (!delivered) return;
      resolveOffset(last);
      kafkaMetrics.messagesIn.inc({ topic }, messages.length);
      await heartbeat();
    }
  }

  /** Starts no new chunk and waits up to `timeoutMs` for those in flight to be delivered (or to give up). */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    if (this.inflight.size > 0) await settledWithin(Promise.allSettled([...this.inflight]), timeoutMs);
  }

  /** Processes and delivers one chunk, retrying transient failures; false when the consumer stopped meanwhile. */
  private async processWithRetry(
    chunk: Chunk,
    handler: MessageHandler,
    payload: EachBatchPayload,
  ): Promise<boolean> {
    const { heartbeat } = payload;
    // kafkajs heartbeats only between batches: keep the membership alive while a slow chunk (a database
    // write, a retry) runs, or the group evicts this member and the chunk is processed twice. kafkajs sends one only
    // when its heartbeat interval has passed since the last, so a timer of that same period sent one every second
    // tick (a gap of twice the interval): ticking at a quarter of it sends each one at most a quarter late.
    const beat = setInterval(
      () => void heartbeat().catch(() => undefined),
      Math.max(100, Math.floor(this.heartbeatEveryMs / 4)),
    );
    try {
      return await this.attemptUntilDone(chunk, handler, payload);
    } finally {
      clearInterval(beat);
    }
  }

  private async attemptUntilDone(
    chunk: Chunk,
    handler: MessageHandler,
    { heartbeat, isRunning, isStale }: EachBatchPayload,
  ): Promise<boolean> {
    const { topic } = chunk;
    for (let attempt = 0; ; attempt++) {
      const started = process.hrtime.bigint();
      try {
        // a failed attempt may have been delivered after all (exactly-once: its transaction committed before the
        // broker could answer); redoing the chunk then would decide it twice
        if (attempt > 0 && (await this.delivery.alreadyDelivered?.(chunk.done))) {
          this.failingSinceMs = undefined;
          return true;
        }
        const output = handler.extras?.batch
          ? await this.runBatchHandler(chunk, handler)
          : await this.runMessageHandlers(chunk, handler);
        await this.delivery.deliver(toTopicMessages(output), chunk.done);
        kafkaMetrics.handlerSeconds.observe({ topic }, Number(process.hrtime.bigint() - started) / 1e9);
        this.failingSinceMs = undefined;
        return true;
      } catch (err) {
        this.failingSinceMs ??= Date.now();
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
          partition: chunk.done.partition,
          offset: chunk.messages[0]!.offset,
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

  private async runMessageHandlers(chunk: Chunk, handler: MessageHandler): Promise<Output> {
    const { topic, done } = chunk;
    const output: Output = new Map();
    const pause = loopBreaker(YIELD_EVERY_MS);
    const results = await mapWithConcurrency(
      chunk.messages,
      this.settings.handlerConcurrency,
      async (message) => {
        const paused = pause();
        if (paused) await paused;
        const rejected = this.check(chunk, message);
        if ('dead' in rejected) return rejected;
        try {
          const out = await this.invoke(
            handler,
            rejected.event,
            new KafkaEventContext([topic, done.partition, message.offset]),
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
              { topic: done.topic, partition: done.partition, message },
              {
                kind: 'handler-error',
                reason: `${this.stage} could not process the event: ${(err as Error).message ?? String(err)}`,
                requestId: requestIdOf(rejected.event, message.key),
              },
            ),
          };
        }
      },
    );
    for (const r of results) {
      if ('dead' in r) this.add(output, Topics.DeadLetter, r.dead, topic);
      else for (const o of Array.isArray(r.out) ? r.out : [r.out]) this.add(output, o.topic, o.event);
    }
    return output;
  }

  private async runBatchHandler(chunk: Chunk, handler: MessageHandler): Promise<Output> {
    const { topic, done } = chunk;
    const output: Output = new Map();
    const messages: ConsumedMessage<unknown>[] = [];
    const pause = loopBreaker(YIELD_EVERY_MS);
    for (const message of chunk.messages) {
      const paused = pause();
      if (paused) await paused;
      const checked = this.check(chunk, message);
      if ('dead' in checked) this.add(output, Topics.DeadLetter, checked.dead, topic);
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
      const batch: ConsumedBatch<unknown> = { topic, partition: done.partition, messages };
      const context = new KafkaEventContext([topic, done.partition, chunk.messages[0]!.offset]);
      const out = await this.invoke(handler, batch, context);
      if (out)
        for (const o of Array.isArray(out) ? (out as Outbound[]) : [out as Outbound])
          this.add(output, o.topic, o.event);
    }
    return output;
  }

  /** Size and schema checks; a message that fails them becomes a dead letter. */
  private check(
    { topic, done }: Chunk,
    message: KafkaMessage,
  ): { event: unknown } | { dead: ReturnType<typeof deadLetterFor> } {
    const source = { topic: done.topic, partition: done.partition, message };
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

  private add(output: Output, topic: TopicName, event: Outbound['event'], from?: TopicName): void {
    const physical = physicalTopic(this.settings, topic);
    let list = output.get(physical);
    if (!list) output.set(physical, (list = []));
    list.push(encodeEvent(topic, event));
    if (topic === Topics.DeadLetter)
      kafkaMetrics.deadLetters.inc({ topic: from ?? topic, kind: (event as { kind: string }).kind });
  }
}

/**
 * Once `everyMs` have passed since the event loop last ran, a promise that every caller awaits (one pause for all
 * handlers of a chunk: were each to yield on its own, the others would run on until they too had used the time).
 */
function loopBreaker(everyMs: number): () => Promise<void> | undefined {
  let since = performance.now();
  let pause: Promise<void> | undefined;
  return () => {
    if (!pause && performance.now() - since > everyMs)
      pause = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        pause = undefined;
        since = performance.now();
      });
    return pause;
  };
}

function toTopicMessages(output: Output): TopicMessages[] {
  return [...output].map(([topic, messages]) => ({ topic, messages }));
}
