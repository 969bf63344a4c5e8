import { Logger, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EventPublisher, KAFKA_SETTINGS, type KafkaSettings } from '@clearance/kafka';
import { BearerTokenRegistry, ENV, PlatformModule } from '@clearance/platform';
import { AccessRequestController } from './access-requests/access-request.controller';
import { AccessRequestService } from './access-requests/access-request.service';
import {
  REQUEST_PUBLISHER,
  StubRequestPublisher,
  type RequestPublisher,
} from './access-requests/request.publisher';
import { ApiKeyGuard, apiKeysFromEnv } from './auth/api-key.guard';
import { AddressThrottle } from './auth/address.throttle';
import { ClientRateGuard } from './auth/client-rate.guard';
import { IngestRateLimits } from './auth/rate.limits';
import { DEV_API_KEY, DEV_CLIENT_NAME } from './auth/dev-key';
import { AuditClient } from './decisions/audit.client';
import { DecisionBoard } from './decisions/decision.board';
import { DecisionListener } from './decisions/decision.listener';
import { JsonBodyGuard } from './http/json-body.guard';
import { IdempotencyClaimRepository } from './idempotency/idempotency-claim.repository';
import {
  ClaimSchema,
  IDEMPOTENCY_CLAIM_MODEL,
  IDEMPOTENCY_OUTCOME_MODEL,
  OutcomeSchema,
} from './idempotency/idempotency-claim.schema';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { IngestEnv } from './ingest.env';

const logger = new Logger('IngestModule');
const CLAIM_SETTLE_MARGIN_MS = 5_000;

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'ingest',
      env: IngestEnv,
      mongo: true,
      readiness: [DecisionListener, IdempotencyStore],
    }),
    MongooseModule.forFeature([
      { name: IDEMPOTENCY_CLAIM_MODEL, schema: ClaimSchema },
      { name: IDEMPOTENCY_OUTCOME_MODEL, schema: OutcomeSchema },
    ]),
  ],
  controllers: [AccessRequestController],
  providers: [
    {
      provide: BearerTokenRegistry,
      inject: [ENV],
      useFactory: (env: IngestEnv) => {
        const { registry, usesDevKey } = apiKeysFromEnv(env);
        if (usesDevKey) {
          logger.warn(
            `no API keys configured: accepting the development key "${DEV_API_KEY}" (client "${DEV_CLIENT_NAME}")`,
          );
        }
        return registry;
      },
    },
    {
      provide: IngestRateLimits,
      inject: [ENV],
      useFactory: (env: IngestEnv) =>
        new IngestRateLimits({
          clientLimit: env.INGEST_RATE_LIMIT,
          addressLimit: env.INGEST_ADDRESS_RATE_LIMIT,
          windowMs: env.INGEST_RATE_WINDOW_MS,
          authFailureLimit: env.INGEST_AUTH_FAILURE_LIMIT,
          authFailureWindowMs: env.INGEST_AUTH_FAILURE_WINDOW_MS,
        }),
    },
    IdempotencyClaimRepository,
    {
      provide: IdempotencyStore,
      inject: [ENV, KAFKA_SETTINGS, IdempotencyClaimRepository],
      useFactory: (env: IngestEnv, kafka: KafkaSettings, repository: IdempotencyClaimRepository) =>
        new IdempotencyStore(repository, {
          ttlMs: env.INGEST_IDEMPOTENCY_TTL_SECONDS * 1000,
          // the owner of a claim answers within the publish timeout and records the acknowledgement right after
          pendingWindowMs: kafka.publishTimeoutMs + CLAIM_SETTLE_MARGIN_MS,
          purgeIntervalMs: env.INGEST_IDEMPOTENCY_PURGE_SECONDS * 1000,
        }),
    },
    {
      provide: DecisionBoard,
      inject: [ENV],
      useFactory: (env: IngestEnv) =>
        new DecisionBoard({
          maxRecent: env.INGEST_RECENT_DECISIONS_MAX,
          recentTtlMs: env.INGEST_RECENT_DECISIONS_TTL_SECONDS * 1000,
          maxUndecodedBytes: env.INGEST_UNDECODED_DECISIONS_MIB * 1024 * 1024,
        }),
    },
    {
      provide: REQUEST_PUBLISHER,
      inject: [ENV, EventPublisher],
      useFactory: (env: IngestEnv, publisher: EventPublisher): RequestPublisher => {
        if (!env.INGEST_PUBLISH_STUB) return publisher;
        if (env.NODE_ENV === 'production')
          throw new Error('INGEST_PUBLISH_STUB must not be set in production');
        logger.warn(
          'INGEST_PUBLISH_STUB=true: requests are acknowledged WITHOUT being published (benchmark only)',
        );
        return new StubRequestPublisher();
      },
    },
    AccessRequestService,
    AuditClient,
    DecisionListener,
    ApiKeyGuard,
    ClientRateGuard,
    AddressThrottle,
    JsonBodyGuard,
  ],
})
export class AppModule {}
