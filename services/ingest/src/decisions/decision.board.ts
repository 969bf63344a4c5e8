import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { decisionRecordOf, type DecisionRecord } from './decision.view';

export interface DecisionBoardOptions {
  maxRecent: number;
  recentTtlMs: number;
  /**
   * Bytes of decided events kept undecoded for a later `GET` (besides `maxRecent` entries and the TTL): an event
   * is ~4 KB raw, its decoded record ~0.5 KB, so this bound, not the count, is what holds the memory.
   */
  maxUndecodedBytes?: number;
  /** Decodes and validates a consumed decided event; undefined for one that does not validate. */
  decode?: (value: Buffer) => DecisionRecord | undefined;
  now?: () => number;
}

const DEFAULT_MAX_UNDECODED_BYTES = 64 * 1024 * 1024;
/** Decided events kept per request id: normally one; a few when clients reuse an id (keys include the client). */
const MAX_UNDECODED_PER_ID = 4;

export interface Waiting {
  /** Resolves with the decision, or undefined when the time ran out or the wait was cancelled. */
  decision: Promise<DecisionRecord | undefined>;
  cancel(): void;
}

export type RequestState = { status: 'decided'; record: DecisionRecord } | { status: 'pending' };

const keyOf = (client: string, requestId: string): string => `${client}\u0000${requestId}`;

/**
 * What this instance knows about requests: the ones it accepted, callers waiting for a decision (`Prefer: wait`),
 * and the recent decisions of those (the decision listener passes on only what this board `wants`). Keys include the client, so one client never sees or
 * completes another client's request even if both chose the same request id.
 */
export class DecisionBoard {
  private readonly waiters = new Map<string, Set<(record: DecisionRecord) => void>>();
  private readonly recent: LRUCache<string, DecisionRecord>;
  private readonly accepted: LRUCache<string, true>;
  /** The request ids of `accepted` and of the waiters, for `wants` (a consumed message's key is the request id). */
  private readonly acceptedIds: LRUCache<string, true>;
  private readonly waitingIds = new Map<string, number>();
  /** Decided events of accepted requests nobody waited for, by request id: decoded on the first look. */
  private readonly undecoded: LRUCache<string, Buffer[]>;
  private readonly decode: (value: Buffer) => DecisionRecord | undefined;
  private readonly logger = new Logger(DecisionBoard.name);

  constructor(options: DecisionBoardOptions) {
    const cacheOptions = {
      max: options.maxRecent,
      ttl: options.recentTtlMs,
      // a test clock is read on every access: lru-cache otherwise caches the time for 1 ms
      ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    };
    this.recent = new LRUCache(cacheOptions);
    this.accepted = new LRUCache(cacheOptions);
    this.acceptedIds = new LRUCache(cacheOptions);
    this.undecoded = new LRUCache<string, Buffer[]>({
      ...cacheOptions,
      maxSize: options.maxUndecodedBytes ?? DEFAULT_MAX_UNDECODED_BYTES,
      sizeCalculation: (values) => values.reduce((n, v) => n + v.length, 0) || 1,
    });
    this.decode = options.decode ?? decisionRecordOf;
  }

  /** Whether a decision for this request id matters here: someone waits for it, or this instance accepted it. */
  wants(requestId: string): boolean {
    return this.waitingIds.has(requestId) || this.acceptedIds.has(requestId);
  }

  /**
   * A consumed decided event. Decoded and validated at once only when a caller waits for it; for a request this
   * instance merely accepted, the bytes are kept and decoded on the first `lookup`, so the many decisions nobody
   * asks for cost no parse (~350 µs each under the profiler).
   */
  offer(requestId: string, value: Buffer | null): void {
    if (value === null) return;
    if (this.waitingIds.has(requestId)) this.decodeAndRecord(requestId, value);
    else if (this.acceptedIds.has(requestId)) {
      // a copy of its own: a slice would pin kafkajs's whole fetch response, a pooled copy the 8 KB slab it shares
      const copy = Buffer.allocUnsafeSlow(value.length);
      value.copy(copy);
      const kept = this.undecoded.get(requestId) ?? [];
      this.undecoded.set(requestId, [...kept.slice(1 - MAX_UNDECODED_PER_ID), copy]);
    }
  }

  /** Bytes of decided events kept undecoded, and how many request ids they belong to. */
  get undecodedUsage(): { bytes: number; entries: number } {
    return { bytes: this.undecoded.calculatedSize, entries: this.undecoded.size };
  }

  private decodeAndRecord(requestId: string, value: Buffer): void {
    const record = this.decode(value);
    // an event that does not validate is never shown: the request stays pending here, the audit store answers
    if (record === undefined || record.requestId !== requestId)
      this.logger.warn({ msg: 'decision event failed validation, not shown', requestId });
    else this.record(record);
  }

  /** Decodes what was kept for this request id, so `recent` holds its decisions. */
  private settle(requestId: string): void {
    const kept = this.undecoded.get(requestId);
    if (kept === undefined) return;
    this.undecoded.delete(requestId);
    for (const value of kept) this.decodeAndRecord(requestId, value);
  }

  /** Number of callers waiting right now. */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  record(record: DecisionRecord): void {
    const key = keyOf(record.client, record.requestId);
    this.recent.set(key, record);
    const waiting = this.waiters.get(key);
    if (waiting === undefined) return;
    this.waiters.delete(key);
    for (const wake of waiting) wake(record);
  }

  markAccepted(client: string, requestId: string): void {
    this.accepted.set(keyOf(client, requestId), true);
    this.acceptedIds.set(requestId, true);
  }

  lookup(client: string, requestId: string): RequestState | undefined {
    this.settle(requestId);
    const key = keyOf(client, requestId);
    const record = this.recent.get(key);
    if (record !== undefined) return { status: 'decided', record };
    return this.accepted.get(key) === true ? { status: 'pending' } : undefined;
  }

  /** Registers a waiter (before the request is published, so a fast decision is not missed). */
  wait(client: string, requestId: string, timeoutMs: number): Waiting {
    this.settle(requestId);
    const key = keyOf(client, requestId);
    const known = this.recent.get(key);
    if (known !== undefined) return { decision: Promise.resolve(known), cancel: () => undefined };
    let settle!: (record: DecisionRecord | undefined) => void;
    const decision = new Promise<DecisionRecord | undefined>((resolve) => {
      settle = resolve;
    });
    let settled = false;
    const done = (record: DecisionRecord | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const set = this.waiters.get(key);
      set?.delete(wake);
      if (set?.size === 0) this.waiters.delete(key);
      const left = (this.waitingIds.get(requestId) ?? 1) - 1;
      if (left > 0) this.waitingIds.set(requestId, left);
      else this.waitingIds.delete(requestId);
      settle(record);
    };
    const wake = (record: DecisionRecord): void => done(record);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const set = this.waiters.get(key) ?? new Set();
    set.add(wake);
    this.waiters.set(key, set);
    this.waitingIds.set(requestId, (this.waitingIds.get(requestId) ?? 0) + 1);
    return { decision, cancel: () => done(undefined) };
  }
}
