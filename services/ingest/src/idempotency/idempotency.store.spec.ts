import { Logger } from '@nestjs/common';
import { InMemoryClaimRepository } from '../../test/in-memory-claim.repository';
import { bodyFingerprint } from './body.fingerprint';
import { outcomeId } from './claim.state';
import { claimId, IdempotencyStore, IdempotencyUnavailableError } from './idempotency.store';

const WINDOW = 10_000;
const ids = { requestId: 'r1', eventId: 'e1' };

describe(IdempotencyStore.name, () => {
  let now: number;
  let repository: InMemoryClaimRepository;
  let sut: IdempotencyStore;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    now = Date.parse('2026-12-01T10:00:00.000Z');
    repository = new InMemoryClaimRepository();
    sut = new IdempotencyStore(repository, {
      ttlMs: 60_000,
      pendingWindowMs: WINDOW,
      purgeIntervalMs: 0,
      now: () => now,
      // time passes only when the store waits; other work (the acknowledgement writer) runs meanwhile
      sleep: async (ms) => {
        now += ms;
        await new Promise((r) => setImmediate(r));
      },
    });
  });

  afterEach(() => jest.restoreAllMocks());

  const flushed = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
  /** Turns the event loop until the background acknowledgement writer has recorded `n` outcomes (or gives up). */
  const recorded = async (n: number): Promise<void> => {
    for (let i = 0; i < 1_000 && repository.outcomes.size < n; i++) await new Promise((r) => setImmediate(r));
  };

  it('lets the first writer hold a key and tells the second it is taken', async () => {
    const first = sut.draft('k', 'f1', ids, new Date(now));
    const second = sut.draft('k', 'f1', { requestId: 'r2', eventId: 'e2' }, new Date(now));

    expect(await sut.claim([first])).toEqual([true]);
    expect(await sut.claim([second])).toEqual([false]);
    expect(repository.claims.get('k')?.requestId).toBe('r1');
  });

  it('sends the claims of concurrent requests in one insert, the earlier of one key winning', async () => {
    const before = repository.calls;
    const held = await Promise.all([
      sut.claim([sut.draft('a', 'f1', ids, new Date(now))]),
      sut.claim([sut.draft('b', 'f1', ids, new Date(now)), sut.draft('c', 'f1', ids, new Date(now))]),
      sut.claim([sut.draft('a', 'f1', { requestId: 'r2', eventId: 'e2' }, new Date(now))]),
    ]);

    expect(held).toEqual([[true], [true, true], [false]]);
    expect(repository.calls - before).toBe(1);
    expect(repository.claims.get('a')?.requestId).toBe('r1');
  });

  it('makes a duplicate wait while the first is in flight, and answers it once acknowledged', async () => {
    const first = sut.draft('k', 'f1', ids, new Date(now));
    await sut.claim([first]);
    const waiting = sut.settle('k', 'f1');
    sut.accepted([first]);
    await flushed();

    await expect(waiting).resolves.toMatchObject({ kind: 'accepted', claim: { requestId: 'r1' } });
    expect(now - first.createdAt.getTime()).toBeLessThan(WINDOW);
  });

  it('calls a claim never acknowledged within the window unknown, and keeps it', async () => {
    const first = sut.draft('k', 'f1', ids, new Date(now));
    await sut.claim([first]);

    await expect(sut.settle('k', 'f1')).resolves.toMatchObject({ kind: 'unknown', claim: { eventId: 'e1' } });
    expect(now - first.createdAt.getTime()).toBeGreaterThanOrEqual(WINDOW);
    expect(repository.claims.has('k')).toBe(true);
  });

  it('answers conflict for another body without waiting', async () => {
    await sut.claim([sut.draft('k', 'f1', ids, new Date(now))]);
    const before = now;

    await expect(sut.settle('k', 'f2')).resolves.toEqual({ kind: 'conflict' });
    expect(now).toBe(before);
  });

  it('lets a released claim go, so that the retry claims the key anew', async () => {
    const first = sut.draft('k', 'f1', ids, new Date(now));
    await sut.claim([first]);
    await sut.release([first]);

    await expect(sut.settle('k', 'f1')).resolves.toEqual({ kind: 'vanished' });
    expect(await sut.claim([sut.draft('k', 'f1', ids, new Date(now))])).toEqual([true]);
  });

  it('deletes an expired claim when it is read, and purges expired claims and outcomes', async () => {
    const old = sut.draft('k', 'f1', ids, new Date(now));
    await sut.claim([old]);
    sut.accepted([old]);
    await recorded(1);
    now += 60_000;

    await expect(sut.settle('k', 'f2')).resolves.toEqual({ kind: 'vanished' });
    expect(repository.claims.has('k')).toBe(false);
    expect(await repository.purgeExpired(new Date(now))).toBe(1);
  });

  it('records acknowledgements of many requests in one write', async () => {
    const claims = [1, 2, 3].map((n) => sut.draft(`k${n}`, 'f1', ids, new Date(now)));
    await sut.claim(claims);
    const before = repository.calls;
    for (const c of claims) sut.accepted([c]);
    await recorded(3);

    expect(repository.calls - before).toBe(1);
    expect([...repository.outcomes.keys()]).toEqual(claims.map((c) => outcomeId(c)));
  });

  it('reports an unreachable database as IdempotencyUnavailableError', async () => {
    repository.failNext = new Error('connect ECONNREFUSED');
    await expect(sut.claim([sut.draft('k', 'f1', ids, new Date(now))])).rejects.toBeInstanceOf(
      IdempotencyUnavailableError,
    );
  });

  it('is ready only once its collections exist, retrying while the database is away', async () => {
    const withIndexes = Object.assign(new InMemoryClaimRepository(), {
      attempts: 0,
      async ensureIndexes(this: { attempts: number }) {
        if (++this.attempts < 2) throw new Error('not yet');
      },
    });
    const store = new IdempotencyStore(withIndexes, {
      ttlMs: 1,
      pendingWindowMs: 1,
      purgeIntervalMs: 0,
      indexRetryMs: 1,
    });
    store.onApplicationBootstrap();
    await expect(store.check()).rejects.toThrow('not created');
    for (let i = 0; i < 100 && withIndexes.attempts < 2; i++) await new Promise((r) => setTimeout(r, 5));
    await flushed();
    await expect(store.check()).resolves.toBeUndefined();
    await store.onApplicationShutdown();
  });
});

describe(`${IdempotencyStore.name} shutdown`, () => {
  afterEach(() => jest.restoreAllMocks());

  it('stops waiting for acknowledgements the database does not take, and says how many were not recorded', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const repository = new InMemoryClaimRepository();
    // the database is away: a write neither succeeds nor fails
    jest.spyOn(repository, 'insertOutcomes').mockImplementation(() => new Promise<void>(() => undefined));
    const sut = new IdempotencyStore(repository, {
      ttlMs: 60_000,
      pendingWindowMs: WINDOW,
      purgeIntervalMs: 0,
      shutdownFlushMs: 50,
    });
    const claim = sut.draft('k1', 'f1', ids, new Date());
    sut.accepted([claim]);
    sut.accepted([sut.draft('k2', 'f2', { requestId: 'r2', eventId: 'e2' }, new Date())]);

    await sut.onApplicationShutdown();

    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({
        msg: 'acknowledgements not recorded: shutdown did not wait for them',
        count: 2,
      }),
    );
    expect(repository.outcomes.size).toBe(0);
  });
});

describe(claimId.name, () => {
  it('keeps header keys and request ids of a client apart, and clients apart', () => {
    expect(claimId('gw', 'key', 'x')).not.toBe(claimId('gw', 'request', 'x'));
    expect(claimId('gw', 'key', 'x')).not.toBe(claimId('console', 'key', 'x'));
    expect(claimId('gw', 'key', 'x')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe(bodyFingerprint.name, () => {
  it('ignores key order and undefined fields', () => {
    const sut = bodyFingerprint;
    expect(sut({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      sut({ b: { d: 'x', c: [1, 2] }, a: 1, e: undefined }),
    );
  });

  it('tells different bodies apart', () => {
    const sut = bodyFingerprint;
    expect(sut({ a: [1, 2] })).not.toBe(sut({ a: [2, 1] }));
    expect(sut({ a: '1' })).not.toBe(sut({ a: 1 }));
  });
});
