import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import mongoose, { type Model } from 'mongoose';
import { limitedBulkWrite } from './bulk-update.limiter';
import type { ExistingLink } from '../chain/chain-batch.planner';
import type { AuditEventRecord } from './audit-event.schema';
import type { ChainHeadRecord } from '../chain/chain-head.schema';
import type { Link } from '../chain/hash-chain';
import { ensureModelIndexes } from '@clearance/platform';
import type { Settled } from '../write.coalescer';

export const AUDIT_EVENT_MODEL = 'AuditEvent';
export const CHAIN_HEAD_MODEL = 'ChainHead';

const DUPLICATE_KEY = 11000;

/** Thrown when a write failed for any reason other than "already stored": nothing may be committed. */
export class StoreWriteError extends Error {}

function writeErrorsOf(err: unknown): { code?: number; index: number; message: string }[] | undefined {
  if (err instanceof mongoose.mongo.MongoBulkWriteError) {
    const list = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    return list.map((w) => ({ code: w.code, index: w.index, message: w.errmsg ?? 'write error' }));
  }
  return undefined;
}

/** The driver's collection typed with string ids (mongoose types it with ObjectId ids). */
export function driverCollection<T extends { _id: string }>(model: Model<T>): mongoose.mongo.Collection<T> {
  return model.collection as unknown as mongoose.mongo.Collection<T>;
}

/**
 * Runs an unordered bulk write and returns the indexes that failed only because the key already existed;
 * any other failure (database down, a rejected document) propagates.
 */
export async function tolerateDuplicates(write: () => Promise<unknown>): Promise<number[]> {
  try {
    await write();
    return [];
  } catch (err) {
    const writeErrors = writeErrorsOf(err);
    if (!writeErrors || writeErrors.some((w) => w.code !== DUPLICATE_KEY)) throw err;
    return writeErrors.map((w) => w.index);
  }
}

/**
 * One unordered `insertMany` of several callers' documents. Answers per group, in order: the indexes (into the
 * group) that only collided with a stored key, or the error that refused one of its own documents, which fails that
 * group alone. Anything but write errors (the database unreachable) propagates and fails all of them.
 */
export async function insertGrouped<T extends { _id: string }>(
  collection: mongoose.mongo.Collection<T>,
  groups: readonly (readonly T[])[],
): Promise<Settled<number[]>[]> {
  const all = groups.flat();
  let failed: { code?: number; index: number; message: string }[] = [];
  if (all.length > 0) {
    try {
      await collection.insertMany(all as mongoose.mongo.OptionalUnlessRequiredId<T>[], { ordered: false });
    } catch (err) {
      const writeErrors = writeErrorsOf(err);
      if (!writeErrors) throw err;
      failed = writeErrors;
    }
  }
  const byIndex = new Map(failed.map((w) => [w.index, w]));
  let start = 0;
  return groups.map((group) => {
    const collided: number[] = [];
    let refused: { count: number; message: string } | undefined;
    for (let i = 0; i < group.length; i++) {
      const w = byIndex.get(start + i);
      if (!w) continue;
      if (w.code === DUPLICATE_KEY) collided.push(i);
      else refused = { count: (refused?.count ?? 0) + 1, message: refused?.message ?? w.message };
    }
    start += group.length;
    return refused
      ? { error: new StoreWriteError(`${refused.count} document(s) refused: ${refused.message}`) }
      : { ok: collided };
  });
}

/** A compare-and-set of one chain head: from exactly `from` to `to`. */
export interface HeadMove {
  chain: string;
  from: { seq: number; hash: string };
  to: { seq: number; hash: string };
}

/** The append-only event store and its chain heads. */
@Injectable()
export class AuditEventRepository {
  constructor(
    @InjectModel(AUDIT_EVENT_MODEL) private readonly events: Model<AuditEventRecord>,
    @InjectModel(CHAIN_HEAD_MODEL) private readonly heads: Model<ChainHeadRecord>,
  ) {}

  /** Creates the declared indexes (autoIndex is off) and fails when one is still missing afterwards. */
  async ensureIndexes(): Promise<void> {
    await ensureModelIndexes(this.events);
    await ensureModelIndexes(this.heads);
  }

  /** Where the given event ids are stored already, if anywhere. */
  async findLinks(eventIds: readonly string[]): Promise<Map<string, ExistingLink>> {
    const docs = await this.events
      .find({ _id: mongoose.trusted({ $in: eventIds }) }, { chain: 1, seq: 1, prevHash: 1, hash: 1 })
      .setOptions({ sanitizeFilter: true })
      .lean()
      .exec();
    return new Map(
      docs.map((d) => [d._id, { chain: d.chain, seq: d.seq, prevHash: d.prevHash, hash: d.hash }]),
    );
  }

  /** Hash of the record stored just before `seq` in `chain`, or undefined at the start of the chain. */
  async predecessor(chain: string, seq: number): Promise<{ seq: number; hash: string } | undefined> {
    const doc = await this.events
      .findOne({ chain, seq: mongoose.trusted({ $lt: seq }) }, { seq: 1, hash: 1 })
      .setOptions({ sanitizeFilter: true })
      .sort({ seq: -1 })
      .lean()
      .exec();
    return doc ? { seq: doc.seq, hash: doc.hash } : undefined;
  }

  /**
   * Several batches' records in one unordered insert; per batch the ids that were stored already, or the error that
   * refused one of its records (that batch alone fails).
   */
  async insertGroups(groups: readonly (readonly AuditEventRecord[])[]): Promise<Settled<string[]>[]> {
    // the driver's collection, not Model.insertMany: the records are built typed already, mongoose casting would only cost
    const outcomes = await insertGrouped(driverCollection(this.events), groups);
    return outcomes.map((o, g) => ('ok' in o ? { ok: o.ok.map((i) => groups[g]![i]!._id) } : o));
  }

  async head(chain: string): Promise<ChainHeadRecord | null> {
    return this.heads.findOne({ _id: chain }).setOptions({ sanitizeFilter: true }).lean().exec();
  }

  /** Rewrites links this writer stored before a crash under a predecessor that has since changed. */
  async relink(repairs: readonly { eventId: string; link: Link }[]): Promise<void> {
    if (repairs.length === 0) return;
    const failed = await limitedBulkWrite(
      driverCollection(this.events),
      repairs.map((r) => ({ updateOne: { filter: { _id: r.eventId }, update: { $set: { ...r.link } } } })),
      tolerateDuplicates,
    );
    // a link update cannot collide on a key: the chain (chain, seq) and the _id stay as they are
    if (failed.length > 0) throw new StoreWriteError(`relink collided on ${failed.length} record(s)`);
  }

  /** Moves the chain head forward (never back); false when it was at or past `head` already. */
  async advanceHead(chain: string, head: { seq: number; hash: string }, now: Date): Promise<boolean> {
    let moved = false;
    // a head already at or past `seq` makes the filter miss and the upsert collide: nothing to do then
    await tolerateDuplicates(async () => {
      const r = await driverCollection(this.heads).bulkWrite(
        [
          {
            updateOne: {
              filter: { _id: chain, seq: { $lt: head.seq } },
              update: { $set: { seq: head.seq, hash: head.hash, updatedAt: now } },
              upsert: true,
            },
          },
        ],
        { ordered: false },
      );
      moved = r.upsertedCount + r.modifiedCount > 0;
    });
    return moved;
  }

  /**
   * Moves chain heads from exactly `from` to `to` (compare-and-set), several in one `update` command; per move
   * whether it applied (false: the stored head is not `from`, another writer moved it or it is gone, and nothing was
   * written). Each head written carries this command's random `writeId`: only when fewer heads matched than were
   * moved (another writer) are the heads read back, and a move applied exactly where its head carries that id.
   */
  async advanceHeadsFrom(moves: readonly HeadMove[], now: Date): Promise<boolean[]> {
    if (moves.length === 0) return [];
    const writeId = randomUUID();
    const r = await driverCollection(this.heads).bulkWrite(
      moves.map((m) => ({
        updateOne: {
          filter: { _id: m.chain, seq: m.from.seq, hash: m.from.hash },
          update: { $set: { seq: m.to.seq, hash: m.to.hash, updatedAt: now, writeId } },
        },
      })),
      { ordered: false },
    );
    if (r.matchedCount === moves.length) return moves.map(() => true);
    const stored = await this.heads
      .find({ _id: mongoose.trusted({ $in: moves.map((m) => m.chain) }) }, { writeId: 1 })
      .setOptions({ sanitizeFilter: true })
      .lean()
      .exec();
    const ours = new Set(stored.filter((h) => h.writeId === writeId).map((h) => h._id));
    return moves.map((m) => ours.has(m.chain));
  }

  async chainHeads(): Promise<ChainHeadRecord[]> {
    return this.heads.find({}).sort({ _id: 1 }).lean().exec();
  }

  async findBySeq(chain: string, seq: number): Promise<AuditEventRecord | null> {
    return this.events.findOne({ chain, seq }).setOptions({ sanitizeFilter: true }).lean().exec();
  }

  /**
   * Every event of a request, oldest first. The hint names the `request_time` index: MongoDB would choose it
   * anyway; our FerretDB build looks the request up through it only when told (docs/operations.md).
   */
  async timeline(requestId: string): Promise<AuditEventRecord[]> {
    return this.events
      .find({ requestId })
      .setOptions({ sanitizeFilter: true })
      .hint({ requestId: 1, time: 1 })
      .sort({ time: 1, seq: 1 })
      .lean()
      .exec();
  }

  /** Records stored in [from, to) in chain order, streamed. */
  streamChains(from?: Date, to?: Date): AsyncIterable<AuditEventRecord> {
    const storedAt: Record<string, Date> = {};
    if (from) storedAt['$gte'] = from;
    if (to) storedAt['$lt'] = to;
    const filter = Object.keys(storedAt).length > 0 ? { storedAt: mongoose.trusted(storedAt) } : {};
    return this.events
      .find(filter)
      .setOptions({ sanitizeFilter: true })
      .sort({ chain: 1, seq: 1 })
      .lean()
      .cursor({ batchSize: 1000 });
  }
}
