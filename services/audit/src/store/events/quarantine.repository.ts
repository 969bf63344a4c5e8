import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { driverCollection, tolerateDuplicates } from './audit-event.repository';
import type { QuarantineRecord } from './quarantine.schema';
import { ensureModelIndexes } from '@clearance/platform';

export const QUARANTINE_MODEL = 'Quarantine';

/** Messages the store could not turn into records, one per topic/partition/offset. */
@Injectable()
export class QuarantineRepository {
  constructor(@InjectModel(QUARANTINE_MODEL) private readonly quarantine: Model<QuarantineRecord>) {}

  async ensureIndexes(): Promise<void> {
    await ensureModelIndexes(this.quarantine);
  }

  async add(records: readonly QuarantineRecord[]): Promise<void> {
    if (records.length === 0) return;
    await tolerateDuplicates(() =>
      driverCollection(this.quarantine).insertMany([...records], { ordered: false }),
    );
  }

  async list(limit: number): Promise<QuarantineRecord[]> {
    return this.quarantine.find({}).sort({ quarantinedAt: -1 }).limit(limit).lean().exec();
  }
}
