import { KeyedLock } from './keyed.lock';

describe(KeyedLock.name, () => {
  it('never runs two holders of one key at once, but runs disjoint ones together', async () => {
    const sut = new KeyedLock();
    const running = new Set<string>();
    const overlaps: string[] = [];
    let maxParallel = 0;
    const job = (name: string, keys: string[]) =>
      sut.run(keys, async () => {
        for (const k of keys) if (running.has(k)) overlaps.push(k);
        keys.forEach((k) => running.add(k));
        maxParallel = Math.max(maxParallel, running.size);
        await new Promise((r) => setImmediate(r));
        keys.forEach((k) => running.delete(k));
        return name;
      });
    const results = await Promise.all([
      job('a', ['1', '2']),
      job('b', ['2', '3']),
      job('c', ['4']),
      job('d', ['3', '1']),
    ]);
    expect(results).toEqual(['a', 'b', 'c', 'd']);
    expect(overlaps).toEqual([]);
    expect(maxParallel).toBeGreaterThan(2);
    expect(sut.size).toBe(0);
  });

  it('releases the keys when the work fails', async () => {
    const sut = new KeyedLock();
    await expect(sut.run(['k'], () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    await expect(sut.run(['k'], () => Promise.resolve('again'))).resolves.toBe('again');
  });
});
