import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { AuditorCallRecord } from './auditor-call-log.schema';
import { ensureModelIndexes } from '@clearance/platform';

export const AUDITOR_CALL_LOG_MODEL = 'AuditorCallLog';

@Injectable()
export class AuditorCallLogRepository {
  constructor(@InjectModel(AUDITOR_CALL_LOG_MODEL) private readonly calls: Model<AuditorCallRecord>) {}

  async ensureIndexes(): Promise<void> {
    await ensureModelIndexes(this.calls);
  }

  async record(entry: AuditorCallRecord): Promise<void> {
    await this.calls.collection.insertOne({ ...entry });
  }
}
