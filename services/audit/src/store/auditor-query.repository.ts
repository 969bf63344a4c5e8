import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { AuditorQueryRecord } from './auditor-query.schema';
import { ensureModelIndexes } from '@clearance/platform';

export const AUDITOR_QUERY_MODEL = 'AuditorQuery';

@Injectable()
export class AuditorQueryRepository {
  constructor(@InjectModel(AUDITOR_QUERY_MODEL) private readonly queries: Model<AuditorQueryRecord>) {}

  async ensureIndexes(): Promise<void> {
    await ensureModelIndexes(this.queries);
  }

  async record(entry: AuditorQueryRecord): Promise<void> {
    await this.queries.collection.insertOne({ ...entry });
  }

  async recent(auditor: string, limit: number): Promise<AuditorQueryRecord[]> {
    return this.queries
      .find({ auditor })
      .setOptions({ sanitizeFilter: true })
      .sort({ at: -1 })
      .limit(limit)
      .lean()
      .exec();
  }
}
