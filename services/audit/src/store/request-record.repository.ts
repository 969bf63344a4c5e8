import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { FilterQuery, Model, PipelineStage } from 'mongoose';
import { driverCollection, tolerateDuplicates } from './audit-event.repository';
import { limitedBulkWrite } from './bulk-update.limiter';
import { createdRecord, type ProjectionUpdate } from './request.projection';
import type { RequestRecord } from './request-record.schema';
import { KeyedLock } from './keyed.lock';
import { ensureModelIndexes } from './model.indexes';

export const REQUEST_RECORD_MODEL = 'RequestRecord';

export interface StatsRow {
  bucket: string;
  key: string;
  count: number;
}

/** The per-request projection: written by upserts only, read by the auditor API. */
@Injectable()
export class RequestRecordRepository {
  // FerretDB 1.24 applies an update as read-modify-write of the whole document, so two concurrent updates of one
  // request lose fields; MongoDB's are atomic. One writer per request at a time keeps both right.
  private readonly lock = new KeyedLock();

  constructor(@InjectModel(REQUEST_RECORD_MODEL) private readonly records: Model<RequestRecord>) {}

  async ensureIndexes(): Promise<void> {
    await ensureModelIndexes(this.records);
  }

  /**
   * Applies projection updates: a request's first stage inserts its record, every other update (and a first stage
   * whose record exists already) is an upsert; an upsert that lost a race with a concurrent one is retried.
   */
  async apply(updates: readonly ProjectionUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.lock.run(
      updates.map((u) => u.requestId),
      () => this.applyUnlocked(updates),
    );
  }

  private async applyUnlocked(updates: readonly ProjectionUpdate[]): Promise<void> {
    // inserting is cheap on both databases, while FerretDB 1.24 (SQLite) finds the document of every update by
    // scanning the collection (its _id lookups do not match its _id index): update only what exists already
    const fresh = updates.filter((u) => u.likelyNew);
    let pending = updates.filter((u) => !u.likelyNew);
    if (fresh.length > 0) {
      const taken = await tolerateDuplicates(() =>
        driverCollection(this.records).insertMany(fresh.map(createdRecord), { ordered: false }),
      );
      pending = [...pending, ...taken.map((i) => fresh[i]!)];
    }
    for (let attempt = 0; pending.length > 0; attempt++) {
      const ops = pending.map((u) => ({
        updateOne: { filter: { _id: u.requestId }, update: u.update, upsert: true },
      }));
      const collided = await limitedBulkWrite(driverCollection(this.records), ops, tolerateDuplicates);
      if (collided.length > 0 && attempt >= 3)
        throw new Error(`request upserts kept colliding (${collided.length})`);
      pending = collided.map((i) => pending[i]!);
    }
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
