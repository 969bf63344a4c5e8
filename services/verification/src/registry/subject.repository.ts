import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  HISTORY_MODEL,
  ORGANIZATION_MODEL,
  USER_MODEL,
  type ChangeSource,
  type HistoryEntry,
  type OrganizationRecord,
  type Stored,
  type SubjectKind,
  type UserRecord,
} from './subject.schema';

const DUPLICATE_KEY = 11000;

/** Someone else changed the record between our read and our write: nothing of ours was applied. */
export class RegistryConflictError extends Error {}

export interface ChangeContext {
  actor: string;
  source: ChangeSource;
  reason: string;
}

export interface ChangeResult<T> {
  changed: boolean;
  stored: Stored<T>;
}

type Doc = Record<string, unknown>;

/** A change the registry applied (after its write succeeded). */
export type SubjectChange =
  { kind: 'user'; stored: Stored<UserRecord> } | { kind: 'organization'; stored: Stored<OrganizationRecord> };

const META_FIELDS = new Set(['_id', 'version', 'updatedAt', 'updatedBy']);

/** The record without storage fields, with undefined members removed (so comparisons are by content). */
function plain(doc: Doc): Doc {
  return Object.fromEntries(
    Object.entries(doc).filter(([k, v]) => !META_FIELDS.has(k) && v !== undefined && v !== null),
  );
}

/** A document as read from the database, as the registry hands it over. */
export function toStored<T>(doc: Doc): Stored<T> {
  return {
    record: plain(doc) as T,
    version: doc['version'] as number,
    updatedAt: doc['updatedAt'] as Date,
    updatedBy: doc['updatedBy'] as string,
  };
}

function sameContent(a: Doc, b: Doc): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Doc)[k] !== undefined && (value as Doc)[k] !== null)
        .map((k) => [k, sortKeys((value as Doc)[k])]),
    );
  }
  return value;
}

/**
 * The subject registry: users, organisations and the history of every change. No transactions (FerretDB has
 * none), so a change is written as: history entry first (applied = false), then the record with a version check
 * (optimistic concurrency), then the entry marked applied. A failure at any step leaves the previous record
 * intact, and no record changes without an entry describing it.
 */
@Injectable()
export class SubjectRepository {
  private readonly listeners: ((change: SubjectChange) => void)[] = [];

  constructor(
    @InjectModel(USER_MODEL) private readonly users: Model<Doc>,
    @InjectModel(ORGANIZATION_MODEL) private readonly organizations: Model<Doc>,
    @InjectModel(HISTORY_MODEL) private readonly history: Model<Doc>,
  ) {}

  /** Creates the declared indexes (autoIndex is off). */
  async ensureIndexes(): Promise<void> {
    for (const model of [this.users, this.organizations, this.history]) await model.createIndexes();
  }

  /** Called with every change this repository applies, right after its record write succeeded. */
  onChange(listener: (change: SubjectChange) => void): void {
    this.listeners.push(listener);
  }

  /** Every user, handed over one at a time as the cursor reads them (nothing of the read is held here). */
  async eachUser(visit: (stored: Stored<UserRecord>) => void): Promise<void> {
    return this.each<UserRecord>(this.users, visit);
  }

  async eachOrganization(visit: (stored: Stored<OrganizationRecord>) => void): Promise<void> {
    return this.each<OrganizationRecord>(this.organizations, visit);
  }

  async findUser(userId: string): Promise<Stored<UserRecord> | null> {
    return this.find<UserRecord>(this.users, { userId });
  }

  async findOrganization(organizationId: string): Promise<Stored<OrganizationRecord> | null> {
    return this.find<OrganizationRecord>(this.organizations, { organizationId });
  }

  async putUser(record: UserRecord, ctx: ChangeContext): Promise<ChangeResult<UserRecord>> {
    return this.put(this.users, 'user', { userId: record.userId }, record as unknown as Doc, ctx);
  }

  async putOrganization(
    record: OrganizationRecord,
    ctx: ChangeContext,
  ): Promise<ChangeResult<OrganizationRecord>> {
    return this.put(
      this.organizations,
      'organization',
      { organizationId: record.organizationId },
      record as unknown as Doc,
      ctx,
    );
  }

  async historyOf(kind: SubjectKind, subjectId: string, limit = 500): Promise<HistoryEntry[]> {
    const docs = await this.history
      .find({ kind, subjectId }, { _id: 0 })
      .sort({ at: 1, version: 1 })
      .limit(limit)
      .lean()
      .exec();
    return docs as unknown as HistoryEntry[];
  }

  /** Cheap read used as the readiness probe of the registry. */
  async ping(): Promise<void> {
    await this.users.findOne({}, { _id: 1 }).lean().exec();
  }

  private async find<T>(model: Model<Doc>, filter: Doc): Promise<Stored<T> | null> {
    const doc = await model.findOne(filter).lean().exec();
    return doc ? toStored<T>(doc) : null;
  }

  private async each<T>(model: Model<Doc>, visit: (stored: Stored<T>) => void): Promise<void> {
    // small batches: a batch's decoded documents live until it is visited, and 5,000 of them lived long enough to be
    // promoted — the start-up read of 200,000 records left ~100 MiB more heap (docs/performance.md)
    // without `_id`: nothing reads it, and each one is an ObjectId with its own Buffer (200,000 at every full read)
    for await (const doc of model.find({}, { _id: 0 }).lean().batchSize(500).cursor())
      visit(toStored<T>(doc as Doc));
  }

  private async put<T>(
    model: Model<Doc>,
    kind: SubjectKind,
    key: Doc,
    record: Doc,
    ctx: ChangeContext,
  ): Promise<ChangeResult<T>> {
    const current = await this.find<T>(model, key);
    const after = plain(record);
    if (current && sameContent(current.record as Doc, after)) return { changed: false, stored: current };
    const version = (current?.version ?? 0) + 1;
    const now = new Date();
    const historyId = randomUUID();
    const entry: HistoryEntry = {
      historyId,
      kind,
      subjectId: String(Object.values(key)[0]),
      version,
      actor: ctx.actor,
      source: ctx.source,
      reason: ctx.reason,
      at: now,
      before: current ? (sortKeys(current.record) as Doc) : null,
      after: sortKeys(after) as Doc,
      applied: false,
    };
    await this.history.create(entry);
    const stored = { ...after, version, updatedAt: now, updatedBy: ctx.actor };
    if (current) {
      const unset = Object.fromEntries(
        Object.keys(current.record as Doc)
          .filter((k) => !(k in after))
          .map((k) => [k, 1]),
      );
      const res = await model
        .updateOne(
          { ...key, version: current.version },
          { $set: stored, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
        )
        .exec();
      if (res.matchedCount === 0)
        throw new RegistryConflictError(`${kind} ${entry.subjectId} changed concurrently`);
    } else {
      try {
        await model.create(stored);
      } catch (err) {
        if ((err as { code?: number }).code === DUPLICATE_KEY) {
          throw new RegistryConflictError(`${kind} ${entry.subjectId} was created concurrently`);
        }
        throw err;
      }
    }
    const result: Stored<T> = { record: after as T, version, updatedAt: now, updatedBy: ctx.actor };
    // the record is written: readers (the registry cache) see it from now on, even if marking the entry fails
    for (const listener of this.listeners) listener({ kind, stored: result } as unknown as SubjectChange);
    await this.history.updateOne({ historyId }, { $set: { applied: true } }).exec();
    return { changed: true, stored: result };
  }
}
