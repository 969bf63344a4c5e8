import { LruCache } from '../common/lru.cache';

/** What to do with a request carrying an idempotency key. */
export type IdempotencyClaim<T> =
  | { kind: 'new'; complete(result: T): void; fail(error: unknown): void }
  | { kind: 'replay'; result: Promise<T> }
  | { kind: 'conflict' };

interface Entry<T> {
  fingerprint: string;
  result: Promise<T>;
}

export interface IdempotencyStoreOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

/**
 * Per-instance memory of idempotency keys: the first request with a key does the work, a later one with the
 * same body gets the first result (waiting for it while it is in flight), one with another body a conflict.
 * A failed first attempt is forgotten so that the caller may retry with the same key.
 */
export class IdempotencyStore<T> {
  private readonly entries: LruCache<string, Entry<T>>;

  constructor(options: IdempotencyStoreOptions) {
    this.entries = new LruCache(options.maxEntries, options.ttlMs, options.now);
  }

  claim(key: string, fingerprint: string): IdempotencyClaim<T> {
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      return existing.fingerprint === fingerprint
        ? { kind: 'replay', result: existing.result }
        : { kind: 'conflict' };
    }
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting for a failed first attempt: that is not an unhandled rejection.
    result.catch(() => undefined);
    const entry: Entry<T> = { fingerprint, result };
    this.entries.set(key, entry);
    return {
      kind: 'new',
      complete: (value) => resolve(value),
      fail: (error) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        reject(error);
      },
    };
  }
}
