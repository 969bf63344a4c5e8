import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ENV } from '@clearance/platform';
import type { VerificationEnv } from '../verification.env';
import { SubjectRepository, type SubjectChange } from './subject.repository';
import { OrganizationColumns, UserColumns, type SubjectColumns } from './subject.columns';
import type { OrganizationRecord, Stored, UserRecord } from './subject.schema';

/** The cache cannot vouch for what it holds (not loaded yet, or its last full read is too old): read nothing. */
export class RegistryCacheStaleError extends Error {}

export interface CachedSubject {
  user: Stored<UserRecord> | null;
  organization: Stored<OrganizationRecord> | null;
}

/** Versions of this process's own writes made while a full read runs, by id. */
interface WritesDuringRead {
  users: Map<string, number>;
  organizations: Map<string, number>;
}

/**
 * The whole subject registry in memory, so that verifying a request costs two map lookups instead of two
 * database reads (on FerretDB each is a collection scan: it grows with every registered subject). The records are
 * packed in columns (subject.columns.ts: ~130 bytes a user and ~190 an organisation instead of ~570 and ~430 as
 * objects, docs/performance.md "A compact registry cache") and read back exactly as stored.
 *
 * Kept current by every write this process makes (admin API, KYC webhook and `subjects.verification.v1` all go
 * through SubjectRepository, which reports each applied change), and by a full re-read every
 * REGISTRY_CACHE_REFRESH_MS that picks up what other replicas wrote. A re-read updates the columns in place: what it
 * reads replaces what is held (the database is the truth) unless an own write made while it ran is as new, and what
 * it did not see is removed once it completed. A read that fails leaves each record as it was or as the database
 * had it later, and does not count as a full read. When no full read succeeded for REGISTRY_CACHE_MAX_AGE_MS
 * (database down) the cache refuses to answer and the request's registry status becomes `unavailable`: failing
 * closed, never vouching from an old copy. REGISTRY_CACHE_REFRESH_MS=0 turns the cache off (a read per request).
 */
@Injectable()
export class RegistryCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RegistryCache.name);
  private readonly organizations = new OrganizationColumns();
  private readonly users = new UserColumns((id) => this.organizations.sameString(id));
  private loaded = false;
  /** Start time of the last full read that succeeded: everything written before it is held. */
  private readAt = 0;
  /** Number of the current (or last) full read; a record carries the number of the last read that saw it. */
  private epoch = 0;
  private writesDuringRead?: WritesDuringRead;
  private reading?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: SubjectRepository,
    @Inject(ENV) private readonly env: VerificationEnv,
  ) {
    if (this.enabled) repository.onChange((change) => this.apply(change));
  }

  get enabled(): boolean {
    return this.env.REGISTRY_CACHE_REFRESH_MS > 0;
  }

  /** True once a full read succeeded and is recent enough to vouch for. */
  get fresh(): boolean {
    return this.loaded && Date.now() - this.readAt <= this.env.REGISTRY_CACHE_MAX_AGE_MS;
  }

  get size(): { users: number; organizations: number } {
    return { users: this.users.size, organizations: this.organizations.size };
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.env.REGISTRY_CACHE_REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The user and their organisation (the user's, else the one the request names); throws when not fresh. */
  lookup(userId: string, organizationId: string | undefined): CachedSubject {
    if (!this.fresh)
      throw new RegistryCacheStaleError(
        this.loaded
          ? 'registry cache too old: the registry could not be re-read'
          : 'registry cache not loaded yet',
      );
    const user = this.users.get(userId);
    const orgId = user?.record.organizationId ?? organizationId;
    return { user, organization: orgId ? this.organizations.get(orgId) : null };
  }

  /** Reads the whole registry again; concurrent callers share one read. */
  refresh(): Promise<void> {
    this.reading ??= this.readAll().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readAll(): Promise<void> {
    const startedAt = Date.now();
    const epoch = ++this.epoch;
    const writes: WritesDuringRead = { users: new Map(), organizations: new Map() };
    this.writesDuringRead = writes;
    try {
      // organisations first, so that a user's organisation id is the organisation's own copy of the string
      await this.repository.eachOrganization((o) =>
        take(this.organizations, o.record.organizationId, o, epoch, writes.organizations),
      );
      await this.repository.eachUser((u) => take(this.users, u.record.userId, u, epoch, writes.users));
      this.organizations.sweep(epoch);
      this.users.sweep(epoch);
      this.loaded = true;
      this.readAt = startedAt;
      this.logger.log({
        msg: 'registry cache loaded',
        users: this.users.size,
        organizations: this.organizations.size,
        keptWhole: this.users.wholeRecords + this.organizations.wholeRecords,
        ms: Date.now() - startedAt,
      });
    } catch (err) {
      this.logger.warn({ msg: 'registry cache could not be re-read', err: (err as Error).message });
    } finally {
      this.writesDuringRead = undefined;
    }
  }

  /** Newest version wins: a re-read that returns an older record than an own write keeps the write. */
  private apply(change: SubjectChange): void {
    const [columns, id, during] =
      change.kind === 'user'
        ? ([this.users, change.stored.record.userId, this.writesDuringRead?.users] as const)
        : ([
            this.organizations,
            change.stored.record.organizationId,
            this.writesDuringRead?.organizations,
          ] as const);
    during?.set(id, Math.max(during.get(id) ?? 0, change.stored.version));
    const current = columns.versionOf(id);
    if (current === undefined || current <= change.stored.version)
      (columns as SubjectColumns<unknown>).set(id, change.stored, this.epoch);
    else columns.touch(id, this.epoch);
  }
}

/**
 * What a full read found for one record: taken unless an own write made during the read is at least as new; an
 * unchanged record is left as it is (its decoded form stays valid).
 */
function take<T>(
  columns: SubjectColumns<T>,
  id: string,
  read: Stored<T>,
  epoch: number,
  writes: Map<string, number>,
): void {
  const written = writes.get(id);
  if ((written === undefined || read.version > written) && !columns.holds(id, read))
    columns.set(id, read, epoch);
  else columns.touch(id, epoch);
}
