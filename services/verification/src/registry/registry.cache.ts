import { isDeepStrictEqual } from 'node:util';
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
import type { OrganizationRecord, Stored, UserRecord } from './subject.schema';

/** The cache cannot vouch for what it holds (not loaded yet, or its last full read is too old): read nothing. */
export class RegistryCacheStaleError extends Error {}

export interface CachedSubject {
  user: Stored<UserRecord> | null;
  organization: Stored<OrganizationRecord> | null;
}

type Snapshot = {
  users: Map<string, Stored<UserRecord>>;
  organizations: Map<string, Stored<OrganizationRecord>>;
};

/**
 * The whole subject registry in memory, so that verifying a request costs two map lookups instead of two
 * database reads (on FerretDB each is a collection scan: it grows with every registered subject).
 *
 * Kept current by every write this process makes (admin API, KYC webhook and `subjects.verification.v1` all go
 * through SubjectRepository, which reports each applied change), and by a full re-read every
 * REGISTRY_CACHE_REFRESH_MS that picks up what other replicas wrote. A write made while a re-read runs is kept
 * when the re-read returns an older version. When no full read succeeded for REGISTRY_CACHE_MAX_AGE_MS (database
 * down) the cache refuses to answer and the request's registry status becomes `unavailable`: failing closed,
 * never vouching from an old copy. REGISTRY_CACHE_REFRESH_MS=0 turns the cache off (a read per request).
 */
@Injectable()
export class RegistryCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RegistryCache.name);
  private snapshot?: Snapshot;
  /** Start time of the last full read that succeeded: everything written before it is in the snapshot. */
  private readAt = 0;
  /** Own writes while a full read runs, re-applied on top of its result unless it already holds them. */
  private writesDuringRead?: SubjectChange[];
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
    return this.snapshot !== undefined && Date.now() - this.readAt <= this.env.REGISTRY_CACHE_MAX_AGE_MS;
  }

  get size(): { users: number; organizations: number } {
    return { users: this.snapshot?.users.size ?? 0, organizations: this.snapshot?.organizations.size ?? 0 };
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
    const snapshot = this.snapshot;
    if (!snapshot || !this.fresh)
      throw new RegistryCacheStaleError(
        snapshot
          ? 'registry cache too old: the registry could not be re-read'
          : 'registry cache not loaded yet',
      );
    const user = snapshot.users.get(userId) ?? null;
    const orgId = user?.record.organizationId ?? organizationId;
    return { user, organization: orgId ? (snapshot.organizations.get(orgId) ?? null) : null };
  }

  /** Reads the whole registry again; concurrent callers share one read. */
  refresh(): Promise<void> {
    this.reading ??= this.readAll().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readAll(): Promise<void> {
    const startedAt = Date.now();
    this.writesDuringRead = [];
    try {
      // An unchanged record keeps the object already cached, so the re-read's copy is garbage at once: a re-read
      // holds one snapshot and a map of keys, not two snapshots (docs/performance.md, "Verification memory").
      const old = this.snapshot;
      const next: Snapshot = { users: new Map(), organizations: new Map() };
      await Promise.all([
        this.repository.eachUser((u) =>
          next.users.set(u.record.userId, unchanged(old?.users.get(u.record.userId), u)),
        ),
        this.repository.eachOrganization((o) =>
          next.organizations.set(
            o.record.organizationId,
            unchanged(old?.organizations.get(o.record.organizationId), o),
          ),
        ),
      ]);
      for (const change of this.writesDuringRead) put(next, change);
      this.snapshot = next;
      this.readAt = startedAt;
      this.logger.log({
        msg: 'registry cache loaded',
        users: next.users.size,
        organizations: next.organizations.size,
        ms: Date.now() - startedAt,
      });
    } catch (err) {
      this.logger.warn({ msg: 'registry cache could not be re-read', err: (err as Error).message });
    } finally {
      this.writesDuringRead = undefined;
    }
  }

  private apply(change: SubjectChange): void {
    this.writesDuringRead?.push(change);
    if (this.snapshot) put(this.snapshot, change);
  }
}

/** The cached object when the re-read one is the same record (same version, time and content), else the re-read one. */
function unchanged<T>(cached: Stored<T> | undefined, read: Stored<T>): Stored<T> {
  return cached !== undefined && cached.version === read.version && isDeepStrictEqual(cached, read)
    ? cached
    : read;
}

/** Newest version wins: a re-read that returns an older record than an own write keeps the write. */
function put(snapshot: Snapshot, change: SubjectChange): void {
  if (change.kind === 'user') {
    const key = change.stored.record.userId;
    const current = snapshot.users.get(key);
    if (!current || current.version <= change.stored.version) snapshot.users.set(key, change.stored);
  } else {
    const key = change.stored.record.organizationId;
    const current = snapshot.organizations.get(key);
    if (!current || current.version <= change.stored.version) snapshot.organizations.set(key, change.stored);
  }
}
