import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnApplicationBootstrap,
  type Provider,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { TerminusModule } from '@nestjs/terminus';
import { Topics } from '@clearance/contracts';
import {
  DEFAULT_KAFKA_SETTINGS,
  EventPublisher,
  KAFKA_SETTINGS,
  KAFKA_STAGE,
  KafkaBatchServer,
  KafkaConnection,
  type KafkaSettings,
} from '@clearance/kafka';
import { LoggerModule } from 'nestjs-pino';
import { collectDefaultMetrics, register } from 'prom-client';
import { validateEnv, type BaseEnv, type MongoEnv } from './base.env';
import { HealthController } from './health.controller';
import { loggerModuleParams } from './http-log.options';
import { kafkaSecurityFromEnv } from './kafka-security.env';
import { MetricsController } from './metrics.controller';
import { ProblemDetailsFilter } from './problem-details.filter';
import { ENV, PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';

export function kafkaSettingsFromEnv(service: string, env: BaseEnv): KafkaSettings {
  return {
    ...DEFAULT_KAFKA_SETTINGS,
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: env.KAFKA_CLIENT_ID ?? `clearance-${service}`,
    // namespaced like the topics, so environments sharing a cluster never share a consumer group
    groupId: env.KAFKA_GROUP_ID ?? `${env.KAFKA_TOPIC_PREFIX}clearance-${service}`,
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    partitions: env.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    exactlyOnce: env.KAFKA_EXACTLY_ONCE,
    transactionalId: env.KAFKA_TRANSACTIONAL_ID,
    transactionTimeoutMs: env.KAFKA_TRANSACTION_TIMEOUT_MS,
    handlerConcurrency: env.KAFKA_HANDLER_CONCURRENCY,
    partitionsConsumedConcurrently: env.KAFKA_PARTITIONS_CONCURRENTLY,
    chunkSize: env.KAFKA_CHUNK_SIZE,
    lingerMs: env.KAFKA_LINGER_MS,
    maxBatchMessages: env.KAFKA_MAX_BATCH_MESSAGES,
    maxRequestBytes: DEFAULT_KAFKA_SETTINGS.maxRequestBytes,
    publishTimeoutMs: env.KAFKA_PUBLISH_TIMEOUT_MS,
    maxMessageBytes: env.KAFKA_MAX_MESSAGE_BYTES,
    fetchMinBytes: env.KAFKA_FETCH_MIN_BYTES,
    fetchMaxWaitMs: env.KAFKA_FETCH_MAX_WAIT_MS,
    commitIntervalMs: env.KAFKA_COMMIT_INTERVAL_MS,
    sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
    security: kafkaSecurityFromEnv(env),
  };
}

/**
 * What every Clearance service has: validated environment, JSON logs, Kafka (publisher + batch transport),
 * optionally MongoDB, health (`/health/live`, `/health/ready`) and Prometheus metrics (`/metrics`).
 */
@Global()
@Module({})
export class PlatformModule implements OnApplicationBootstrap {
  constructor(
    private readonly kafka: KafkaConnection,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
  ) {}

  static forRoot(options: PlatformOptions): DynamicModule {
    let env: BaseEnv | undefined;
    const providers: Provider[] = [
      { provide: PLATFORM_OPTIONS, useValue: options },
      { provide: ENV, useFactory: () => env },
      { provide: KAFKA_STAGE, useValue: options.service },
      {
        provide: KAFKA_SETTINGS,
        inject: [ENV],
        useFactory: (validated: BaseEnv) => kafkaSettingsFromEnv(options.service, validated),
      },
      KafkaConnection,
      EventPublisher,
      KafkaBatchServer,
      // HTTP errors as problem details; in the Kafka transport the original error passes through untouched
      { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    ];
    const imports: Array<DynamicModule | Promise<DynamicModule>> = [
      ConfigModule.forRoot({
        isGlobal: true,
        ignoreEnvFile: true,
        validate: (raw) => (env = validateEnv(options.env, raw)) as unknown as Record<string, unknown>,
      }),
      LoggerModule.forRootAsync({
        inject: [ConfigService],
        useFactory: (config: ConfigService) =>
          loggerModuleParams(options.service, config.get<string>('LOG_LEVEL') ?? 'info'),
      }),
      TerminusModule.forRoot({ logger: false }),
    ];
    if (options.mongo) {
      imports.push(
        MongooseModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<MongoEnv, true>) => ({
            uri: config.get('MONGODB_URI', { infer: true }),
            maxPoolSize: config.get('MONGODB_MAX_POOL_SIZE', { infer: true }),
            // fail at once while disconnected instead of buffering: the caller retries and commits nothing
            bufferCommands: false,
            autoIndex: false,
            autoCreate: false,
            serverSelectionTimeoutMS: 5000,
            connectTimeoutMS: 5000,
            retryWrites: false,
          }),
        }),
      );
    }
    return {
      module: PlatformModule,
      global: true,
      imports,
      controllers: [HealthController, MetricsController],
      providers,
      exports: [ENV, KafkaConnection, EventPublisher, KafkaBatchServer, KAFKA_SETTINGS, PLATFORM_OPTIONS],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
    if (this.options.produces?.length)
      await this.kafka.ensureTopics([...this.options.produces, Topics.DeadLetter]);
  }
}
