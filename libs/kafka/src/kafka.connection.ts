import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type Admin, Kafka, logLevel, type LogEntry } from 'kafkajs';
import { kafkaClientSecurity } from './kafka.security';
import { within } from './concurrency';
import { createTopicsAndWait } from './topics.admin';
import { KAFKA_SETTINGS, type KafkaSettings, physicalTopic } from './kafka.settings';

function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      if (level === logLevel.ERROR) logger.error({ ...rest, msg: message });
      else if (level === logLevel.WARN) logger.warn({ ...rest, msg: message });
    };
}

/** The service's one kafkajs client, its admin, and topic creation. */
@Injectable()
export class KafkaConnection implements OnApplicationShutdown {
  private readonly logger = new Logger(KafkaConnection.name);
  readonly kafka: Kafka;
  private admin?: Admin;
  private readonly ensured = new Set<string>();

  constructor(@Inject(KAFKA_SETTINGS) readonly settings: KafkaSettings) {
    this.kafka = new Kafka({
      clientId: settings.clientId,
      brokers: settings.brokers,
      ...kafkaClientSecurity(settings.security),
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(this.logger),
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    });
  }

  topic(logical: string): string {
    return physicalTopic(this.settings, logical);
  }

  async getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /** Creates the (logical) topics that do not exist yet; safe to call from several services at once. */
  async ensureTopics(logicalTopics: readonly string[]): Promise<void> {
    const wanted = [...new Set(logicalTopics.map((t) => this.topic(t)))].filter((t) => !this.ensured.has(t));
    if (wanted.length === 0) return;
    const admin = await this.getAdmin();
    const created = await createTopicsAndWait(
      admin,
      wanted.map((topic) => ({
        topic,
        numPartitions: this.settings.partitions,
        replicationFactor: this.settings.replicationFactor,
      })),
    );
    if (created.length > 0)
      this.logger.log({ msg: 'created topics', topics: created, partitions: this.settings.partitions });
    wanted.forEach((t) => this.ensured.add(t));
  }

  /** A cheap request the broker must answer: used by the readiness check. */
  async ping(timeoutMs: number): Promise<void> {
    const admin = await this.getAdmin();
    await within(admin.describeCluster(), timeoutMs, 'broker');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
