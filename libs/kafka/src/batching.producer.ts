import { Logger } from '@nestjs/common';
import {
  CompressionTypes,
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import { kafkaMetrics } from './kafka.metrics';
import type { KafkaSettings } from './kafka.settings';

/** The messages were taken back before any request carried them: they never reach the broker. */
export class PublishWithdrawnError extends Error {
  constructor() {
    super('withdrawn before it was sent');
    this.name = 'PublishWithdrawnError';
  }
}

interface Pending {
  topicMessages: TopicMessages[];
  count: number;
  /** A produce request carrying (some of) these messages was started: they may have reached the broker. */
  sent: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** What `sendWithdrawable` returns. */
export interface WithdrawableSend {
  /** Resolves once the broker acknowledged every message. */
  done: Promise<void>;
  /** Takes the messages back while still queued (true: they never reach the broker). */
  withdraw: () => boolean;
  /**
   * True once a produce request carrying them was started: if `done` then rejects, they may have landed all the
   * same (the broker applied the request and its answer was lost). False: they never left this process.
   */
  sent: () => boolean;
}

function sizeOf(m: Message): number {
  const v = m.value;
  return (typeof v === 'string' ? Buffer.byteLength(v) : (v?.length ?? 0)) + 200;
}

/**
 * Groups queued messages by topic into produce requests of at most `maxBytes` (estimated), so that no
 * partition's record batch exceeds the broker's `message.max.bytes` (1 MiB by default).
 */
export function splitByBytes(topicMessages: TopicMessages[], maxBytes: number): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let bytes = 0;
  {
    for (const tm of topicMessages) {
      for (const m of tm.messages) {
        const size = sizeOf(m);
        if (bytes + size > maxBytes && bytes > 0) {
          requests.push([...current].map(([topic, messages]) => ({ topic, messages })));
          current = new Map();
          bytes = 0;
        }
        let list = current.get(tm.topic);
        if (!list) current.set(tm.topic, (list = []));
        list.push(m);
        bytes += size;
      }
    }
  }
  if (bytes > 0) requests.push([...current].map(([topic, messages]) => ({ topic, messages })));
  return requests;
}

/**
 * An idempotent producer (acks = all) with one request in flight (kafkajs' idempotence is reliable only so) that
 * batches by itself: what callers send while a request is in flight goes out as the next request when it
 * returns; when the producer is idle, a send waits `lingerMs` (0: only the current tick) or until
 * `maxBatchMessages` are queued. Each caller's promise resolves when
 * the broker has acknowledged its messages, so a caller can commit or answer only after that.
 */
export class BatchingProducer {
  private readonly logger = new Logger(BatchingProducer.name);
  private producer: Producer;
  private connecting?: Promise<void>;
  private queue: Pending[] = [];
  private queued = 0;
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private flushing?: Promise<void>;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly settings: Pick<KafkaSettings, 'lingerMs' | 'maxBatchMessages' | 'maxRequestBytes'>,
  ) {
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // bounded, so that a publish to an unreachable broker fails (503) instead of queueing for ever
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    });
  }

  /**
   * After a produce request failed, kafkajs rolls its sequence numbers back (sendMessages.js), so the next batch
   * to those partitions reuses them. If the failed request was applied and only its answer lost, the broker
   * takes a next batch of the same size for a duplicate of it and acknowledges it without appending (messages
   * lost while their callers answer 202), and one of another size for an out-of-order sequence (the partition
   * fails for ever). A new producer gets a new producer id, whose sequences start afresh.
   */
  private replaceProducer(): void {
    const old = this.producer;
    this.producer = this.newProducer();
    this.connecting = undefined;
    void old.disconnect().catch(() => undefined);
  }

  async connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  /** Queues messages; resolves once the broker acknowledged all of them. */
  send(topicMessages: TopicMessages[]): Promise<void> {
    return this.sendWithdrawable(topicMessages).done;
  }

  /**
   * Like `send`, and `withdraw()` takes the messages back while they are still queued (true: they will never
   * reach the broker, `done` rejects with PublishWithdrawnError). Once they are in a request it returns false:
   * then only `done` can tell whether they landed.
   */
  sendWithdrawable(topicMessages: TopicMessages[]): WithdrawableSend {
    const never = () => false;
    if (this.closed)
      return { done: Promise.reject(new Error('producer is closed')), withdraw: never, sent: never };
    let count = 0;
    for (const tm of topicMessages) count += tm.messages.length;
    if (count === 0) return { done: Promise.resolve(), withdraw: never, sent: never };
    let pending!: Pending;
    const done = new Promise<void>((resolve, reject) => {
      pending = { topicMessages, count, sent: false, resolve, reject };
      this.queue.push(pending);
      this.queued += count;
      if (this.queued >= this.settings.maxBatchMessages) this.kick();
      // while a request is in flight the queue fills by itself and goes out when it returns; when none is, wait
      // only for what the current tick adds (lingerMs 0) instead of a fixed linger on every lone message
      else if (!this.flushing && !this.timer && !this.immediate) {
        if (this.settings.lingerMs > 0) this.timer = setTimeout(() => this.kick(), this.settings.lingerMs);
        else this.immediate = setImmediate(() => this.kick());
      }
    });
    const withdraw = (): boolean => {
      const at = this.queue.indexOf(pending);
      if (at < 0) return false;
      this.queue.splice(at, 1);
      this.queued -= pending.count;
      pending.reject(new PublishWithdrawnError());
      return true;
    };
    return { done, withdraw, sent: () => pending.sent };
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  /**
   * Sends the queue as one or more produce requests (split by bytes, in queue order). A caller is answered as soon
   * as the request holding its last message is acknowledged; when a request fails, the callers it (or an earlier
   * one) carried are marked `sent` and rejected, and those of later requests were never sent.
   */
  private async flushOnce(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.queued = 0;
    let count = 0;
    for (const p of batch) count += p.count;
    // caller i holds messages [ends[i] - count, ends[i]) of the queue's order, which is the requests' order
    const ends: number[] = [];
    for (const p of batch) ends.push((ends.at(-1) ?? 0) + p.count);
    let next = 0; // the first caller not yet answered
    let started = 0; // messages in requests started so far
    let acked = 0;
    try {
      await this.connect();
      for (const request of splitByBytes(
        batch.flatMap((p) => p.topicMessages),
        this.settings.maxRequestBytes,
      )) {
        let messages = 0;
        for (const tm of request) messages += tm.messages.length;
        started += messages;
        for (let i = next; i < batch.length && ends[i]! - batch[i]!.count < started; i++)
          batch[i]!.sent = true;
        await this.producer.sendBatch({
          acks: -1,
          compression: CompressionTypes.None,
          topicMessages: request,
        });
        acked += messages;
        for (const { topic, messages: m } of request) kafkaMetrics.messagesOut.inc({ topic }, m.length);
        for (; next < batch.length && ends[next]! <= acked; next++) batch[next]!.resolve();
      }
      kafkaMetrics.batchSize.observe({ direction: 'out' }, count);
    } catch (err) {
      this.logger.warn({ msg: 'batch send failed', messages: count - acked, err: (err as Error).message });
      if (started > 0) this.replaceProducer();
      for (let i = next; i < batch.length; i++) batch[i]!.reject(err);
    }
  }

  /** Sends what is queued, then disconnects. */
  async close(): Promise<void> {
    this.kick();
    while (this.flushing) await this.flushing;
    this.closed = true;
    await this.producer.disconnect().catch(() => undefined);
  }
}
