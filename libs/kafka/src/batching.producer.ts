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
  resolve: () => void;
  reject: (err: unknown) => void;
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
  private readonly producer: Producer;
  private connecting?: Promise<void>;
  private queue: Pending[] = [];
  private queued = 0;
  private timer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private flushing?: Promise<void>;
  private closed = false;

  constructor(
    kafka: Kafka,
    private readonly settings: Pick<KafkaSettings, 'lingerMs' | 'maxBatchMessages' | 'maxRequestBytes'>,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // bounded, so that a publish to an unreachable broker fails (503) instead of queueing for ever
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    });
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
  sendWithdrawable(topicMessages: TopicMessages[]): { done: Promise<void>; withdraw: () => boolean } {
    if (this.closed) return { done: Promise.reject(new Error('producer is closed')), withdraw: () => false };
    let count = 0;
    for (const tm of topicMessages) count += tm.messages.length;
    if (count === 0) return { done: Promise.resolve(), withdraw: () => false };
    let pending!: Pending;
    const done = new Promise<void>((resolve, reject) => {
      pending = { topicMessages, count, resolve, reject };
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
    return { done, withdraw };
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

  private async flushOnce(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.queued = 0;
    let count = 0;
    for (const p of batch) count += p.count;
    try {
      await this.connect();
      for (const request of splitByBytes(
        batch.flatMap((p) => p.topicMessages),
        this.settings.maxRequestBytes,
      )) {
        await this.producer.sendBatch({
          acks: -1,
          compression: CompressionTypes.None,
          topicMessages: request,
        });
        for (const { topic, messages } of request) kafkaMetrics.messagesOut.inc({ topic }, messages.length);
      }
      kafkaMetrics.batchSize.observe({ direction: 'out' }, count);
      for (const p of batch) p.resolve();
    } catch (err) {
      this.logger.warn({ msg: 'batch send failed', messages: count, err: (err as Error).message });
      for (const p of batch) p.reject(err);
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
