import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { TopicEventMap, TopicName } from '@clearance/contracts';
import type { Message, TopicMessages } from 'kafkajs';
import { BatchingProducer } from './batching.producer';
import { BrokerUnavailableError } from './errors';
import { encodeEvent } from './event.codec';
import { KafkaConnection } from './kafka.connection';
import { KAFKA_SETTINGS, type KafkaSettings } from './kafka.settings';
import type { Outbound } from './outbound';

/**
 * Publishes events from request/response code (HTTP handlers, admin APIs). `publish` resolves only when the
 * broker acknowledged (acks = all) and fails with BrokerUnavailableError after `publishTimeoutMs`.
 */
@Injectable()
export class EventPublisher implements OnApplicationShutdown {
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

  private async sendWithTimeout(topicMessages: TopicMessages[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BrokerUnavailableError(
              `broker did not acknowledge within ${this.settings.publishTimeoutMs} ms`,
            ),
          ),
        this.settings.publishTimeoutMs,
      );
    });
    try {
      await Promise.race([
        this.producer.send(topicMessages).catch((err: unknown) => {
          throw new BrokerUnavailableError(`publish failed: ${(err as Error).message}`, { cause: err });
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close();
  }
}
