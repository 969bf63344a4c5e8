import { LRUCache } from 'lru-cache';
import type { DecisionRecord } from './decision.view';

export interface DecisionBoardOptions {
  maxRecent: number;
  recentTtlMs: number;
  now?: () => number;
}

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
  }

  /** Whether a decision for this request id matters here: someone waits for it, or this instance accepted it. */
  wants(requestId: string): boolean {
    return this.waitingIds.has(requestId) || this.acceptedIds.has(requestId);
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
    const key = keyOf(client, requestId);
    const record = this.recent.get(key);
    if (record !== undefined) return { status: 'decided', record };
    return this.accepted.get(key) === true ? { status: 'pending' } : undefined;
  }

  /** Registers a waiter (before the request is published, so a fast decision is not missed). */
  wait(client: string, requestId: string, timeoutMs: number): Waiting {
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
