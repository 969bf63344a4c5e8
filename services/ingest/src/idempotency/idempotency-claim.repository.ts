import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import { ensureModelIndexes } from '@clearance/platform';
import {
  type ClaimDoc,
  IDEMPOTENCY_CLAIM_MODEL,
  IDEMPOTENCY_OUTCOME_MODEL,
  type OutcomeDoc,
} from './idempotency-claim.schema';

const DUPLICATE_KEY = 11000;

/** What the idempotency store needs from the database (the MongoDB repository below, or a fake in specs). */
export interface ClaimRepository {
  /** One round trip for all; per document true when it was inserted, false when one with its `_id` exists. */
  insertClaims(docs: readonly ClaimDoc[]): Promise<boolean[]>;
  findClaim(id: string): Promise<ClaimDoc | null>;
  hasOutcome(outcomeId: string): Promise<boolean>;
  /** Inserts the outcomes not yet stored (an existing one is the same fact). */
  insertOutcomes(docs: readonly OutcomeDoc[]): Promise<void>;
  /** Deletes the claim only if it is still the generation created at `createdAt`. */
  deleteClaim(id: string, createdAt: Date): Promise<void>;
  /** Points a claim at an existing request (its ids and time): a new key for a request id already claimed. */
  rebind(
    id: string,
    createdAt: Date,
    to: Pick<ClaimDoc, 'requestId' | 'eventId' | 'eventTime'>,
  ): Promise<void>;
  purgeExpired(now: Date): Promise<number>;
}

/** Claims and outcomes in MongoDB (FerretDB locally): only inserts on the hot path, reads by `_id`. */
@Injectable()
export class IdempotencyClaimRepository implements ClaimRepository {
  private readonly claims: mongo.Collection<ClaimDoc>;
  private readonly outcomes: mongo.Collection<OutcomeDoc>;

  constructor(
    @InjectModel(IDEMPOTENCY_CLAIM_MODEL) private readonly claimModel: Model<ClaimDoc>,
    @InjectModel(IDEMPOTENCY_OUTCOME_MODEL) private readonly outcomeModel: Model<OutcomeDoc>,
  ) {
    // the driver's collections, typed: the hot path skips mongoose's document casting
    this.claims = claimModel.collection as unknown as mongo.Collection<ClaimDoc>;
    this.outcomes = outcomeModel.collection as unknown as mongo.Collection<OutcomeDoc>;
  }

  /** Creates the collections and declared indexes (autoIndex is off) and fails naming any still missing. */
  async ensureIndexes(): Promise<void> {
    await ensureModelIndexes(this.claimModel);
    await ensureModelIndexes(this.outcomeModel);
  }

  async insertClaims(docs: readonly ClaimDoc[]): Promise<boolean[]> {
    const inserted = docs.map(() => true);
    try {
      await this.claims.insertMany(
        docs.map((d) => ({ ...d })),
        { ordered: false },
      );
    } catch (err) {
      for (const index of duplicateIndexes(err)) inserted[index] = false;
    }
    return inserted;
  }

  findClaim(id: string): Promise<ClaimDoc | null> {
    return this.claims.findOne({ _id: id });
  }

  async hasOutcome(outcomeId: string): Promise<boolean> {
    return (await this.outcomes.findOne({ _id: outcomeId }, { projection: { _id: 1 } })) !== null;
  }

  async insertOutcomes(docs: readonly OutcomeDoc[]): Promise<void> {
    if (docs.length === 0) return;
    try {
      await this.outcomes.insertMany(
        docs.map((d) => ({ ...d })),
        { ordered: false },
      );
    } catch (err) {
      duplicateIndexes(err);
    }
  }

  async deleteClaim(id: string, createdAt: Date): Promise<void> {
    await this.claims.deleteOne({ _id: id, createdAt });
  }

  async rebind(
    id: string,
    createdAt: Date,
    to: Pick<ClaimDoc, 'requestId' | 'eventId' | 'eventTime'>,
  ): Promise<void> {
    await this.claims.updateOne(
      { _id: id, createdAt },
      { $set: { requestId: to.requestId, eventId: to.eventId, eventTime: to.eventTime } },
    );
  }

  async purgeExpired(now: Date): Promise<number> {
    const [claims, outcomes] = [
      await this.claims.deleteMany({ expiresAt: { $lte: now } }),
      await this.outcomes.deleteMany({ expiresAt: { $lte: now } }),
    ];
    return claims.deletedCount + outcomes.deletedCount;
  }
}

/**
 * The indexes of the documents an unordered insertMany refused as duplicates; rethrows anything else (also
 * when a single other error hides among the duplicates: then nothing may be taken as inserted or claimed).
 */
function duplicateIndexes(err: unknown): number[] {
  const raw = (err as { writeErrors?: unknown }).writeErrors;
  const writeErrors = (Array.isArray(raw) ? raw : raw !== undefined ? [raw] : []) as {
    index: number;
    code: number;
  }[];
  if (writeErrors.length === 0 || writeErrors.some((e) => e.code !== DUPLICATE_KEY)) throw err;
  if ((err as { writeConcernError?: unknown }).writeConcernError) throw err;
  return writeErrors.map((e) => e.index);
}
