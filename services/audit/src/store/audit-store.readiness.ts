import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { ReadinessCheck } from '@clearance/platform';
import { AuditEventRepository } from './events/audit-event.repository';
import { AuditorCallLogRepository } from './auditor-call-log.repository';
import { QuarantineRepository } from './events/quarantine.repository';
import { RequestRecordRepository } from './projection/request-record.repository';

/** Creates the store's indexes at start (autoIndex is off) and is ready only once they all exist. */
@Injectable()
export class AuditStoreIndexes implements OnModuleInit, ReadinessCheck {
  readonly name = 'audit-indexes';
  private readonly logger = new Logger(AuditStoreIndexes.name);
  private created = false;

  constructor(
    private readonly events: AuditEventRepository,
    private readonly requests: RequestRecordRepository,
    private readonly quarantine: QuarantineRepository,
    private readonly auditorCallLog: AuditorCallLogRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    await Promise.all([
      this.events.ensureIndexes(),
      this.requests.ensureIndexes(),
      this.quarantine.ensureIndexes(),
      this.auditorCallLog.ensureIndexes(),
    ]);
    this.created = true;
    this.logger.log('audit store indexes present');
  }

  async check(): Promise<void> {
    if (!this.created) throw new Error('audit store indexes not created yet');
  }
}
