import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { FilterQuery, Model, PipelineStage } from 'mongoose';
import { driverCollection, tolerateDuplicates } from './audit-event.repository';
import type { RequestRecord } from './request-record.schema';
import { ensureModelIndexes } from '@clearance/platform';

export const REQUEST_RECORD_MODEL = 'RequestRecord';

export interface StatsRow {
  bucket: string;
  key: string;
  count: number;
}

/** The per-request records: inserted once each (from the decision), never updated; read by the auditor API. */
@Injectable()
export class RequestRecordRepository {
  constructor(@InjectModel(REQUEST_RECORD_MODEL) private readonly records: Model<RequestRecord>) {}

  async ensureIndexes(): Promise<void> {
    await ensureModelIndexes(this.records);
  }

  /** Inserts records (unordered); returns how many were stored already (a redelivered decision). */
  async insert(records: readonly RequestRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const taken = await tolerateDuplicates(() =>
      driverCollection(this.records).insertMany([...records], { ordered: false }),
    );
    return taken.length;
  }

  async findById(requestId: string): Promise<RequestRecord | null> {
    return this.records.findById(requestId).lean().exec();
  }

  /**
   * One page, newest first. `filter` must come from the filter builder (operators marked trusted): it is run with
   * sanitizeFilter, so any other operator in it is refused.
   */
  async page(filter: FilterQuery<RequestRecord>, limit: number): Promise<RequestRecord[]> {
    return this.records
      .find(filter)
      .setOptions({ sanitizeFilter: true })
      .sort({ time: -1, _id: -1 })
      .limit(limit)
      .lean()
      .exec();
  }

  /** All matching records, newest first, streamed from a cursor. */
  stream(filter: FilterQuery<RequestRecord>): AsyncIterable<RequestRecord> {
    return this.records
      .find(filter)
      .setOptions({ sanitizeFilter: true })
      .sort({ time: -1, _id: -1 })
      .lean()
      .cursor({ batchSize: 1000 });
  }

  /** Counts per time bucket and value of `field` ($match/$group/$sum only, which FerretDB runs too). */
  async countBy(
    match: FilterQuery<RequestRecord>,
    bucket: 'hour' | 'day',
    field: 'outcome' | 'country' | 'reasons',
  ): Promise<StatsRow[]> {
    // grouped by the whole reasons array and split here: FerretDB 1.24's $unwind drops the document's other fields
    const pipeline: PipelineStage[] = [
      { $match: match },
      { $group: { _id: { bucket: `$${bucket}`, key: `$${field}` }, count: { $sum: 1 } } },
    ];
    const rows = await this.records
      .aggregate<{ _id: { bucket: string; key?: string | string[] | null }; count: number }>(pipeline)
      .exec();
    const counts = new Map<string, StatsRow>();
    for (const r of rows) {
      const keys = Array.isArray(r._id.key) ? r._id.key : [r._id.key ?? 'none'];
      for (const key of keys.length > 0 ? keys : ['none']) {
        const id = `${r._id.bucket}\u0000${key}`;
        const row = counts.get(id) ?? { bucket: r._id.bucket, key, count: 0 };
        row.count += r.count;
        counts.set(id, row);
      }
    }
    return [...counts.values()].sort(
      (a, b) => a.bucket.localeCompare(b.bucket) || a.key.localeCompare(b.key),
    );
  }
}
