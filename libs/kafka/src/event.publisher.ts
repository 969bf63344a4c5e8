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
 * Publishes events from request/response code (HTTP handlers, admin APIs). `publish` resolves only when the
 * broker acknowledged (acks = all) and fails with BrokerUnavailableError only when the event did not and will not
 * land: withdrawn after `publishTimeoutMs` while still queued, or its produce request failed for good.
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
   * A publish not acknowledged within `publishTimeoutMs` is withdrawn when it is still queued (it never reaches
   * the broker, so "not accepted" is true). One already in a produce request cannot be taken back: its answer
   * waits for that request's own outcome (the producer's bounded retries), so that a caller never answers
   * "not accepted" for an event that lands later (issue 18).
   */
  private async sendWithTimeout(topicMessages: TopicMessages[]): Promise<void> {
    const { done, withdraw } = this.producer.sendWithdrawable(topicMessages);
    const outcome = done.catch((err: unknown) => {
      throw new BrokerUnavailableError(
        err instanceof PublishWithdrawnError
          ? `broker did not acknowledge within ${this.settings.publishTimeoutMs} ms; withdrawn, never sent`
          : `publish failed: ${(err as Error).message}`,
        { cause: err },
      );
    });
    const timer = setTimeout(() => {
      if (!withdraw())
        this.logger.warn({
          msg: 'publish not acknowledged in time but already sent: waiting for its outcome',
          timeoutMs: this.settings.publishTimeoutMs,
        });
    }, this.settings.publishTimeoutMs);
    try {
      await outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close();
  }
}
