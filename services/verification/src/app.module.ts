import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { Topics } from '@clearance/contracts';
import { PlatformModule } from '@clearance/platform';
import { AdminTokenGuard } from './admin/admin-token.guard';
import { KycSignatureGuard } from './admin/kyc-signature.guard';
import { KycWebhookController } from './admin/kyc-webhook.controller';
import { SubjectAdminController } from './admin/subject-admin.controller';
import { RegistryCache } from './registry/registry.cache';
import { RegistryReadiness } from './registry/registry.readiness';
import { SubjectRepository } from './registry/subject.repository';
import {
  HISTORY_MODEL,
  HistorySchema,
  ORGANIZATION_MODEL,
  OrganizationSchema,
  USER_MODEL,
  UserSchema,
} from './registry/subject.schema';
import { SubjectService } from './registry/subject.service';
import { SanctionsScreener } from './screening/sanctions.screener';
import { ScreeningReadiness } from './screening/screening.readiness';
import { VerificationEnv } from './verification.env';
import { VerificationHandler } from './verification.handler';
import { Verifier } from './verifier';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'verification',
      env: VerificationEnv,
      mongo: true,
      produces: [Topics.AccessVerified],
      readiness: [RegistryReadiness, ScreeningReadiness],
    }),
    MongooseModule.forFeature([
      { name: USER_MODEL, schema: UserSchema },
      { name: ORGANIZATION_MODEL, schema: OrganizationSchema },
      { name: HISTORY_MODEL, schema: HistorySchema },
    ]),
  ],
  controllers: [VerificationHandler, SubjectAdminController, KycWebhookController],
  providers: [
    SanctionsScreener,
    SubjectRepository,
    RegistryCache,
    SubjectService,
    Verifier,
    RegistryReadiness,
    ScreeningReadiness,
    AdminTokenGuard,
    KycSignatureGuard,
  ],
})
export class AppModule {}
