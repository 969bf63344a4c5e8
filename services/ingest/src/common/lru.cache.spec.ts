import { LruCache } from './lru.cache';

describe(LruCache.name, () => {
  let now = 0;
  const clock = (): number => now;

  beforeEach(() => {
    now = 1_000;
  });

  it('returns what was stored', () => {
    const sut = new LruCache<string, number>(10, 1_000, clock);
    sut.set('a', 1);
    expect(sut.get('a')).toBe(1);
    expect(sut.get('b')).toBeUndefined();
  });

  it('forgets the least recently used entry when full', () => {
    const sut = new LruCache<string, number>(2, 1_000, clock);
    sut.set('a', 1);
    sut.set('b', 2);
    sut.get('a');
    sut.set('c', 3);
    expect(sut.get('b')).toBeUndefined();
    expect(sut.get('a')).toBe(1);
    expect(sut.get('c')).toBe(3);
    expect(sut.size).toBe(2);
  });

  it('forgets entries older than the TTL', () => {
    const sut = new LruCache<string, number>(10, 1_000, clock);
    sut.set('a', 1);
    now += 999;
    expect(sut.get('a')).toBe(1);
    now += 1;
    expect(sut.get('a')).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it('refuses a non-positive size', () => {
    expect(() => new LruCache<string, number>(0, 1_000)).toThrow('maxEntries');
  });
});
