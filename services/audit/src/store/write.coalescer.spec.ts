import { WriteCoalescer, type Settled } from './write.coalescer';

/** A write whose calls are recorded and which answers only when the test releases it. */
function heldWrite() {
  const calls: { items: readonly string[]; release: (outcomes: Settled<string>[] | Error) => void }[] = [];
  const write = (items: readonly string[]) =>
    new Promise<Settled<string>[]>((resolve, reject) => {
      calls.push({ items, release: (o) => (o instanceof Error ? reject(o) : resolve(o)) });
    });
  return { calls, write };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setImmediate(r));
  if (!check()) throw new Error('condition not reached');
}

describe(WriteCoalescer.name, () => {
  it('joins what is submitted in one turn into one write and answers each its own outcome', async () => {
    const { calls, write } = heldWrite();
    const sut = new WriteCoalescer(write);
    const a = sut.submit('a');
    const b = sut.submit('b');
    const c = sut.submit('c');
    await until(() => calls.length === 1);
    expect(calls[0]!.items).toEqual(['a', 'b', 'c']);
    calls[0]!.release([{ ok: 'A' }, { error: new Error('b conflicts') }, { ok: 'C' }]);
    await expect(a).resolves.toBe('A');
    await expect(b).rejects.toThrow('b conflicts');
    await expect(c).resolves.toBe('C');
  });

  it('keeps one write in flight and sends what arrived meanwhile as the next one', async () => {
    const { calls, write } = heldWrite();
    const sut = new WriteCoalescer(write);
    const first = sut.submit('a');
    await until(() => calls.length === 1);
    const later = [sut.submit('b'), sut.submit('c')];
    // nothing more goes out while the first write is unanswered
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1);
    calls[0]!.release([{ ok: 'A' }]);
    await expect(first).resolves.toBe('A');
    await until(() => calls.length === 2);
    expect(calls[1]!.items).toEqual(['b', 'c']);
    calls[1]!.release([{ ok: 'B' }, { ok: 'C' }]);
    await expect(Promise.all(later)).resolves.toEqual(['B', 'C']);
  });

  it('fails every item of a write that failed as a whole, and writes the next ones again', async () => {
    const { calls, write } = heldWrite();
    const sut = new WriteCoalescer(write);
    const both = [sut.submit('a'), sut.submit('b')];
    await until(() => calls.length === 1);
    calls[0]!.release(new Error('database unreachable'));
    for (const p of both) await expect(p).rejects.toThrow('database unreachable');
    const again = sut.submit('a');
    await until(() => calls.length === 2);
    calls[1]!.release([{ ok: 'A' }]);
    await expect(again).resolves.toBe('A');
  });

  it('fails the whole write when the answer does not name every item', async () => {
    const { calls, write } = heldWrite();
    const sut = new WriteCoalescer(write);
    const both = [sut.submit('a'), sut.submit('b')];
    await until(() => calls.length === 1);
    calls[0]!.release([{ ok: 'A' }]);
    for (const p of both) await expect(p).rejects.toThrow('answered 1 of 2 items');
  });
});
