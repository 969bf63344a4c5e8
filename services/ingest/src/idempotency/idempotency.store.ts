import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { settledWithin } from '@clearance/kafka';
import type { ReadinessCheck } from '@clearance/platform';
import { createHash } from 'node:crypto';
import { claimState, outcomeId } from './claim.state';
import type { ClaimRepository } from './idempotency-claim.repository';
import type { ClaimDoc, OutcomeDoc } from './idempotency-claim.schema';

export interface IdempotencyStoreOptions {
  /** How long a key is remembered (INGEST_IDEMPOTENCY_TTL_SECONDS). */
  ttlMs: number;
  /** How long an unacknowledged claim counts as in flight: the publish timeout plus a margin. */
  pendingWindowMs: number;
  /** How often expired claims are deleted (0: never, e.g. in specs). */
  purgeIntervalMs: number;
  /** Until the collections and indexes exist, retry their creation this often. */
  indexRetryMs?: number;
  /** How long a shutdown waits for the queued acknowledgements to be written (default 3 s). */
  shutdownFlushMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What a request holding a key that another request claimed learns about that claim. */
export type Settled =
  | { kind: 'vanished' }
  | { kind: 'conflict' }
  | { kind: 'accepted'; claim: ClaimDoc }
  | { kind: 'unknown'; claim: ClaimDoc };

/** The claims could not be read or written: nothing may be published for a keyed request (503). */
export class IdempotencyUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdempotencyUnavailableError';
  }
}

/** Claim ids: header keys and request ids of one client in separate name spaces, hashed to a fixed length. */
export function claimId(client: string, kind: 'key' | 'request', key: string): string {
  return createHash('sha256').update(`${client}\u0000${kind}\u0000${key}`).digest('hex');
}

const MAX_CLAIM_BATCH = 500;
const MAX_OUTCOME_QUEUE = 50_000;
const OUTCOME_BATCH = 500;
const OUTCOME_ATTEMPTS = 3;
/** Part of the 10 s a drained service has to exit in (Kubernetes' grace period, the fault tests). */
const SHUTDOWN_FLUSH_MS = 3_000;

/**
 * Idempotency keys shared by every ingest replica, in MongoDB (claims.state.ts tells what a stored claim means).
 * The request path costs one insert; the acknowledgement is written after the answer, batched with others.
 */
export class IdempotencyStore implements ReadinessCheck, OnApplicationBootstrap, OnApplicationShutdown {
  readonly name = 'idempotency-store';
  private readonly logger = new Logger(IdempotencyStore.name);
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private indexesReady = false;
  private stopped = false;
  private indexTimer?: NodeJS.Timeout;
  private purgeTimer?: NodeJS.Timeout;
  private outcomes: OutcomeDoc[] = [];
  private writing?: Promise<void>;
  /** The acknowledgements of the write in flight. */
  private inWrite = 0;
  private claimQueue: {
    docs: readonly ClaimDoc[];
    resolve: (held: boolean[]) => void;
    reject: (err: unknown) => void;
  }[] = [];
  private claiming?: Promise<void>;

  constructor(
    private readonly repository: ClaimRepository & { ensureIndexes?: () => Promise<void> },
    private readonly options: IdempotencyStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  onApplicationBootstrap(): void {
    // in the background: ingest starts (and answers keyless requests) while the database is still coming up
    void this.createIndexes();
    if (this.options.purgeIntervalMs > 0) {
      this.purgeTimer = setInterval(() => void this.purge(), this.options.purgeIntervalMs);
      this.purgeTimer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.indexTimer);
    clearInterval(this.purgeTimer);
    // the acknowledgements still queued are written before the connection closes, for as long as a drain may take:
    // with the database away each batch would wait out its attempts, and the process would outlive its grace period
    const flushed = (async () => {
      while (!this.stopped && (this.writing || this.outcomes.length > 0)) {
        this.kickOutcomes();
        await this.writing;
      }
    })();
    await settledWithin(flushed, this.options.shutdownFlushMs ?? SHUTDOWN_FLUSH_MS);
    this.stopped = true;
    const unwritten = this.inWrite + this.outcomes.length;
    if (unwritten > 0)
      // those claims read as unknown: a retry with the key sends the same event again (claim.state.ts)
      this.logger.warn({
        msg: 'acknowledgements not recorded: shutdown did not wait for them',
        count: unwritten,
      });
  }

  async check(): Promise<void> {
    if (!this.indexesReady) throw new Error('idempotency collections not created yet');
  }

  private async createIndexes(): Promise<void> {
    try {
      await this.repository.ensureIndexes?.();
      this.indexesReady = true;
      this.logger.log('idempotency collections and indexes present');
    } catch (err) {
      this.logger.warn({ msg: 'idempotency indexes not created, retrying', err: (err as Error).message });
      if (!this.stopped)
        this.indexTimer = setTimeout(() => void this.createIndexes(), this.options.indexRetryMs ?? 2000);
    }
  }

  /** A claim for a new request: the ids and time its event will carry. */
  draft(id: string, fingerprint: string, ids: { requestId: string; eventId: string }, at: Date): ClaimDoc {
    return {
      _id: id,
      fingerprint,
      requestId: ids.requestId,
      eventId: ids.eventId,
      eventTime: at,
      createdAt: at,
      expiresAt: new Date(at.getTime() + this.options.ttlMs),
    };
  }

  /**
   * Inserts the claims; true for each one this request now holds. Claims of concurrent requests go to the
   * database together, in one unordered insert per round trip (what arrives meanwhile goes in the next one):
   * one round trip per request, few commands. Within one insert the earlier claim of a key wins.
   */
  claim(drafts: readonly ClaimDoc[]): Promise<boolean[]> {
    if (drafts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.claimQueue.push({ docs: drafts, resolve, reject });
      this.kickClaims();
    });
  }

  private kickClaims(): void {
    // a claim queued after the loop's last look but before its finally runs starts the next loop
    this.claiming ??= this.insertQueuedClaims().finally(() => {
      this.claiming = undefined;
      if (this.claimQueue.length > 0) this.kickClaims();
    });
  }

  private async insertQueuedClaims(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    while (this.claimQueue.length > 0) {
      const batch: typeof this.claimQueue = [];
      let docs = 0;
      while (
        this.claimQueue.length > 0 &&
        (batch.length === 0 || docs + this.claimQueue[0]!.docs.length <= MAX_CLAIM_BATCH)
      ) {
        const next = this.claimQueue.shift()!;
        batch.push(next);
        docs += next.docs.length;
      }
      try {
        const held = await this.repository.insertClaims(batch.flatMap((b) => b.docs));
        let at = 0;
        for (const b of batch) {
          b.resolve(held.slice(at, at + b.docs.length));
          at += b.docs.length;
        }
      } catch (err) {
        const unavailable = new IdempotencyUnavailableError(`idempotency store: ${(err as Error).message}`, {
          cause: err,
        });
        for (const b of batch) b.reject(unavailable);
      }
    }
  }

  /**
   * Reads a claim held by another request until it tells something: waits while it is in flight (its owner answers
   * within the publish timeout), deletes it when it expired.
   */
  async settle(id: string, fingerprint: string): Promise<Settled> {
    let delay = 20;
    for (;;) {
      let claim: ClaimDoc | null;
      let acknowledged = false;
      try {
        claim = await this.repository.findClaim(id);
        if (claim !== null && claim.fingerprint === fingerprint)
          acknowledged = await this.repository.hasOutcome(outcomeId(claim));
      } catch (err) {
        throw new IdempotencyUnavailableError(`idempotency store: ${(err as Error).message}`, { cause: err });
      }
      const now = this.now();
      const state = claimState(claim, acknowledged, fingerprint, now, this.options.pendingWindowMs);
      switch (state.kind) {
        case 'absent':
          return { kind: 'vanished' };
        case 'expired':
          await this.release([state.claim]);
          return { kind: 'vanished' };
        case 'conflict':
          return { kind: 'conflict' };
        case 'accepted':
        case 'unknown':
          return state;
        case 'in-flight':
          await this.sleep(Math.max(1, Math.min(delay, state.untilMs - now)));
          delay = Math.min(delay * 2, 250);
      }
    }
  }

  /** Points our claim of a key at the request another claim holds (same body, its requestId already claimed). */
  async rebind(claim: ClaimDoc, to: ClaimDoc): Promise<ClaimDoc> {
    try {
      await this.repository.rebind(claim._id, claim.createdAt, to);
    } catch (err) {
      throw new IdempotencyUnavailableError(`idempotency store: ${(err as Error).message}`, { cause: err });
    }
    return { ...claim, requestId: to.requestId, eventId: to.eventId, eventTime: to.eventTime };
  }

  /**
   * Deletes claims whose event never left this process, so that a retry publishes anew. If the delete fails the
   * claim turns `unknown`, and a retry sends the same event: still one request.
   */
  async release(claims: readonly ClaimDoc[]): Promise<void> {
    for (const c of claims) {
      await this.repository.deleteClaim(c._id, c.createdAt).catch((err: unknown) => {
        this.logger.warn({ msg: 'claim not released', err: (err as Error).message });
      });
    }
  }

  /** Records that the broker acknowledged the claims' event: in the background, batched with other requests'. */
  accepted(claims: readonly ClaimDoc[]): void {
    if (claims.length === 0) return;
    const acceptedAt = new Date(this.now());
    for (const c of claims) this.outcomes.push({ _id: outcomeId(c), acceptedAt, expiresAt: c.expiresAt });
    if (this.outcomes.length > MAX_OUTCOME_QUEUE) {
      // the database is away: those claims will read as unknown, and a retry sends the same event again
      const dropped = this.outcomes.splice(0, this.outcomes.length - MAX_OUTCOME_QUEUE);
      this.logger.warn({ msg: 'acknowledgements not recorded: queue full', dropped: dropped.length });
    }
    this.kickOutcomes();
  }

  private kickOutcomes(): void {
    this.writing ??= this.writeOutcomes().finally(() => {
      this.writing = undefined;
      if (this.outcomes.length > 0 && !this.stopped) this.kickOutcomes();
    });
  }

  private async writeOutcomes(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    while (this.outcomes.length > 0) {
      const batch = this.outcomes.splice(0, OUTCOME_BATCH);
      this.inWrite = batch.length;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.repository.insertOutcomes(batch);
          break;
        } catch (err) {
          if (attempt >= OUTCOME_ATTEMPTS || this.stopped) {
            this.logger.warn({
              msg: 'acknowledgements not recorded: their claims will read as unknown',
              count: batch.length,
              err: (err as Error).message,
            });
            break;
          }
          await this.sleep(200 * attempt);
        }
      }
      this.inWrite = 0;
    }
  }

  private async purge(): Promise<void> {
    try {
      const deleted = await this.repository.purgeExpired(new Date(this.now()));
      if (deleted > 0) this.logger.log({ msg: 'expired idempotency claims purged', deleted });
    } catch (err) {
      this.logger.warn({ msg: 'idempotency purge failed', err: (err as Error).message });
    }
  }
}
