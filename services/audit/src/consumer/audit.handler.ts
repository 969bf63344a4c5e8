import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type TopicName } from '@clearance/contracts';
import { TransientError, type ConsumedBatch } from '@clearance/kafka';
import { AuditStore } from '../store/audit.store';

/**
 * Every access.* topic, the dead-letter topic included, in batches. Resolves only after the batch is stored, so
 * the transport commits only what is written; any failure is retried with backoff and commits nothing.
 */
@Controller()
export class AuditHandler {
  private readonly logger = new Logger(AuditHandler.name);

  constructor(private readonly store: AuditStore) {}

  @EventPattern(Topics.AccessRequested, { batch: true })
  async onRequested(@Payload() batch: ConsumedBatch<unknown>): Promise<void> {
    await this.storeBatch(Topics.AccessRequested, batch);
  }

  @EventPattern(Topics.AccessGeolocated, { batch: true })
  async onGeolocated(@Payload() batch: ConsumedBatch<unknown>): Promise<void> {
    await this.storeBatch(Topics.AccessGeolocated, batch);
  }

  @EventPattern(Topics.AccessVerified, { batch: true })
  async onVerified(@Payload() batch: ConsumedBatch<unknown>): Promise<void> {
    await this.storeBatch(Topics.AccessVerified, batch);
  }

  @EventPattern(Topics.AccessDecided, { batch: true })
  async onDecided(@Payload() batch: ConsumedBatch<unknown>): Promise<void> {
    await this.storeBatch(Topics.AccessDecided, batch);
  }

  @EventPattern(Topics.DeadLetter, { batch: true })
  async onDeadLetter(@Payload() batch: ConsumedBatch<unknown>): Promise<void> {
    await this.storeBatch(Topics.DeadLetter, batch);
  }

  private async storeBatch(topic: TopicName, batch: ConsumedBatch<unknown>): Promise<void> {
    try {
      const result = await this.store.storeBatch(topic, batch.partition, batch.messages);
      this.logger.debug({ topic, partition: batch.partition, ...result }, 'batch stored');
    } catch (err) {
      throw new TransientError(
        `audit store unavailable for ${topic}#${batch.partition}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}
