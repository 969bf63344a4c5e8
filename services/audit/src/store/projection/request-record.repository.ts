import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { FilterQuery, Model, PipelineStage } from 'mongoose';
import { driverCollection, insertGrouped } from '../events/audit-event.repository';
import type { Settled } from '../write.coalescer';
import type { RequestRecord } from './request-record.schema';
import { ensureModelIndexes } from '@clearance/platform';

export const REQUEST_RECORD_MODEL = 'RequestRecord';

export interface StatsRow {
  bucket: string;
  key: string;
  count: number;
}

/** The records of one time bucket with one outcome, country and set of reasons. */
export interface CountRow {
  bucket: string;
  outcome?: string;
  country?: string;
  reasons: string[];
  count: number;
}

/** The per-request records: inserted once each (from the decision), never updated; read by the auditor API. */
@Injectable()
export class RequestRecordRepository {
  constructor(@InjectModel(REQUEST_RECORD_MODEL) private readonly records: Model<RequestRecord>) {}

  async ensureIndexes(): Promise<void> {
    await ensureModelIndexes(this.records);
  }

  /** Several batches' records in one unordered insert; per batch how many were stored already, or its error. */
  async insertGroups(groups: readonly (readonly RequestRecord[])[]): Promise<Settled<number>[]> {
    const outcomes = await insertGrouped(driverCollection(this.records), groups);
    return outcomes.map((o) => ('ok' in o ? { ok: o.ok.length } : o));
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

  /**
   * Counts per time bucket and (outcome, country, reasons), in one `$group` ($match/$group/$sum only, which FerretDB
   * runs too): one read of the matching records gives every breakdown the auditor API reports (FerretDB 1.24 reads
   * the whole collection for each aggregation, whatever its $match).
   */
  async countAll(match: FilterQuery<RequestRecord>, bucket: 'hour' | 'day'): Promise<CountRow[]> {
    const pipeline: PipelineStage[] = [
      { $match: match },
      {
        $group: {
          _id: { bucket: `$${bucket}`, outcome: '$outcome', country: '$country', reasons: '$reasons' },
          count: { $sum: 1 },
        },
      },
    ];
    const rows = await this.records
      .aggregate<{
        _id: { bucket: string; outcome?: string | null; country?: string | null; reasons?: string[] | null };
        count: number;
      }>(pipeline)
      .exec();
    return rows.map((r) => ({
      bucket: r._id.bucket,
      outcome: r._id.outcome ?? undefined,
      country: r._id.country ?? undefined,
      reasons: Array.isArray(r._id.reasons) ? r._id.reasons : [],
      count: r.count,
    }));
  }
}
