import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { TopicEventMap, TopicName } from '@clearance/contracts';
import type { Message, TopicMessages } from 'kafkajs';
import { BatchingProducer, PublishWithdrawnError } from './batching.producer';
import { BrokerUnavailableError } from './errors';
import { encodeEvent } from './event.codec';
import { KafkaConnection } from './kafka.connection';
import { KAFKA_SETTINGS, type KafkaSettings } from './kafka.settings';
import type { Outbound } from './outbound';

/**
 * The broker did not acknowledge a publish that had already been sent: it may have landed (the broker applied the
 * request and the answer was lost, or it is still on its way) or not. A caller must not answer "not accepted"
 * (issue 18): it says the outcome is unknown and lets a retry find this attempt.
 */
export class PublishOutcomeUnknownError extends BrokerUnavailableError {
  constructor(
    message: string,
    /** Resolves true if the broker acknowledged after all, false if the send failed for good (landed or not). */
    readonly acknowledged: Promise<boolean>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishOutcomeUnknownError';
  }
}

/**
 * Publishes events from request/response code (HTTP handlers, admin APIs). `publish` resolves only when the
 * broker acknowledged (acks = all) within `publishTimeoutMs`. It fails with BrokerUnavailableError when the events
 * never left this process (withdrawn while queued, or the producer could not connect), and with its subclass
 * PublishOutcomeUnknownError when they had been sent: then they may land.
 */
@Injectable()
export class EventPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(EventPublisher.name);
  readonly producer: BatchingProducer;

  constructor(
    private readonly connection: KafkaConnection,
    @Inject(KAFKA_SETTINGS) private readonly settings: KafkaSettings,
  ) {
    this.producer = new BatchingProducer(connection.kafka, settings);
  }

  async publish<T extends TopicName>(topic: T, events: readonly TopicEventMap[T][]): Promise<void> {
    if (events.length === 0) return;
    const messages: Message[] = events.map((e) => encodeEvent(topic, e));
    await this.sendWithTimeout([{ topic: this.connection.topic(topic), messages }]);
  }

  /** Publishes messages for several topics as one batch. */
  async publishAll(items: readonly Outbound[]): Promise<void> {
    await this.sendWithTimeout(this.toTopicMessages(items));
  }

  toTopicMessages(items: readonly Outbound[]): TopicMessages[] {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, event } of items) {
      const physical = this.connection.topic(topic);
      const list = byTopic.get(physical) ?? [];
      list.push(encodeEvent(topic, event));
      byTopic.set(physical, list);
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  /**
   * A publish not acknowledged within `publishTimeoutMs` is withdrawn while it is still queued (it never reaches
   * the broker, so "not accepted" is true). One already in a produce request cannot be taken back: it fails at the
   * timeout with PublishOutcomeUnknownError, whose `acknowledged` follows the request's own outcome.
   */
  private sendWithTimeout(topicMessages: TopicMessages[]): Promise<void> {
    const { done, withdraw, sent } = this.producer.sendWithdrawable(topicMessages);
    const acknowledged = done.then(
      () => true,
      () => false,
    );
    const timeoutMs = this.settings.publishTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (withdraw()) return; // done rejects with PublishWithdrawnError below
        this.logger.warn({ msg: 'publish sent but not acknowledged in time: outcome unknown', timeoutMs });
        reject(
          new PublishOutcomeUnknownError(
            `broker did not acknowledge within ${timeoutMs} ms a publish already sent: it may still land`,
            acknowledged,
          ),
        );
      }, timeoutMs);
      done.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          const message = (err as Error).message;
          if (err instanceof PublishWithdrawnError)
            reject(
              new BrokerUnavailableError(
                `broker did not acknowledge within ${timeoutMs} ms; withdrawn, never sent`,
                { cause: err },
              ),
            );
          else if (sent())
            reject(
              new PublishOutcomeUnknownError(
                `publish failed after it was sent (${message}): it may have landed`,
                acknowledged,
                { cause: err },
              ),
            );
          else reject(new BrokerUnavailableError(`publish failed, never sent: ${message}`, { cause: err }));
        },
      );
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close();
  }
}
