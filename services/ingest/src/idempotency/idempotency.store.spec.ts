import { bodyFingerprint } from './body.fingerprint';
import { IdempotencyStore } from './idempotency.store';

describe(IdempotencyStore.name, () => {
  let now = 0;
  const newStore = (): IdempotencyStore<string> =>
    new IdempotencyStore<string>({ maxEntries: 100, ttlMs: 60_000, now: () => now });

  beforeEach(() => {
    now = 0;
  });

  it('lets the first request with a key do the work', () => {
    const sut = newStore();
    expect(sut.claim('k', 'h1').kind).toBe('new');
  });

  it('gives a replay with the same body the first result', async () => {
    const sut = newStore();
    const first = sut.claim('k', 'h1');
    if (first.kind !== 'new') throw new Error('expected new');
    first.complete('req-1');
    const second = sut.claim('k', 'h1');
    expect(second.kind).toBe('replay');
    if (second.kind === 'replay') await expect(second.result).resolves.toBe('req-1');
  });

  it('makes a concurrent replay wait for the first result', async () => {
    const sut = newStore();
    const first = sut.claim('k', 'h1');
    const second = sut.claim('k', 'h1');
    if (first.kind !== 'new' || second.kind !== 'replay') throw new Error('unexpected claims');
    first.complete('req-1');
    await expect(second.result).resolves.toBe('req-1');
  });

  it('answers a conflict for the same key with another body', () => {
    const sut = newStore();
    sut.claim('k', 'h1');
    expect(sut.claim('k', 'h2').kind).toBe('conflict');
  });

  it('forgets a failed attempt so the caller can retry, and fails the concurrent replay too', async () => {
    const sut = newStore();
    const first = sut.claim('k', 'h1');
    const concurrent = sut.claim('k', 'h1');
    if (first.kind !== 'new' || concurrent.kind !== 'replay') throw new Error('unexpected claims');
    first.fail(new Error('broker down'));
    await expect(concurrent.result).rejects.toThrow('broker down');
    expect(sut.claim('k', 'h1').kind).toBe('new');
  });

  it('forgets keys after the TTL', () => {
    const sut = newStore();
    const first = sut.claim('k', 'h1');
    if (first.kind === 'new') first.complete('req-1');
    now += 60_000;
    expect(sut.claim('k', 'h2').kind).toBe('new');
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
