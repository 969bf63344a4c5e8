import { Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import { BearerTokenRegistry, PlatformModule } from '@clearance/platform';
import { AuditController } from './api/audit.controller';
import { AuditQueryService } from './api/audit.service';
import { AUDITOR_TOKEN_ROLE, AuditorGuard } from './api/auditor.guard';
import { AuditorCallLogInterceptor } from './api/auditor-call-log.interceptor';
import { AuditEnv } from './audit.env';
import { ConsoleModule } from './console/console.module';
import { AuditHandler } from './consumer/audit.handler';
import {
  AUDIT_EVENT_MODEL,
  AuditEventRepository,
  CHAIN_HEAD_MODEL,
} from './store/events/audit-event.repository';
import { AuditEventSchema } from './store/events/audit-event.schema';
import { AuditStoreIndexes } from './store/audit-store.readiness';
import { AuditStore, HASH_CHAIN } from './store/audit.store';
import { AUDITOR_CALL_LOG_MODEL, AuditorCallLogRepository } from './store/auditor-call-log.repository';
import { AuditorCallLogSchema } from './store/auditor-call-log.schema';
import { ChainHeadSchema } from './store/chain/chain-head.schema';
import { HashChain } from './store/chain/hash-chain';
import { IntegrityChecker } from './store/chain/integrity.checker';
import { QUARANTINE_MODEL, QuarantineRepository } from './store/events/quarantine.repository';
import { QuarantineSchema } from './store/events/quarantine.schema';
import { REQUEST_RECORD_MODEL, RequestRecordRepository } from './store/projection/request-record.repository';
import { RequestRecordSchema } from './store/projection/request-record.schema';

function auditorTokens(config: ConfigService<AuditEnv, true>): BearerTokenRegistry {
  const tokens = BearerTokenRegistry.fromSources(AUDITOR_TOKEN_ROLE, {
    list: config.get('AUDITOR_TOKENS', { infer: true }),
    file: config.get('AUDITOR_TOKENS_FILE', { infer: true }),
  });
  if (tokens.size === 0)
    new Logger('AuditorGuard').warn('no auditor tokens configured: the auditor API refuses every call');
  return tokens;
}

@Module({
  imports: [
    PlatformModule.forRoot({ service: 'audit', env: AuditEnv, mongo: true, readiness: [AuditStoreIndexes] }),
    MongooseModule.forFeature([
      { name: AUDIT_EVENT_MODEL, schema: AuditEventSchema },
      { name: CHAIN_HEAD_MODEL, schema: ChainHeadSchema },
      { name: REQUEST_RECORD_MODEL, schema: RequestRecordSchema },
      { name: QUARANTINE_MODEL, schema: QuarantineSchema },
      { name: AUDITOR_CALL_LOG_MODEL, schema: AuditorCallLogSchema },
    ]),
    ConsoleModule,
  ],
  controllers: [AuditHandler, AuditController],
  providers: [
    AuditEventRepository,
    RequestRecordRepository,
    QuarantineRepository,
    AuditorCallLogRepository,
    AuditStoreIndexes,
    AuditStore,
    IntegrityChecker,
    AuditQueryService,
    AuditorGuard,
    AuditorCallLogInterceptor,
    {
      provide: HASH_CHAIN,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AuditEnv, true>) =>
        new HashChain(config.get('AUDIT_CHAIN_KEY', { infer: true })),
    },
    { provide: BearerTokenRegistry, inject: [ConfigService], useFactory: auditorTokens },
  ],
})
export class AppModule {}
