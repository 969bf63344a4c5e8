import { planChainBatch } from './chain-batch.planner';
import { GENESIS_HASH, HashChain, chainId, type LinkMaterial, type StoredLink } from './hash-chain';

function material(seq: number, overrides: Partial<LinkMaterial> = {}): LinkMaterial {
  return {
    eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    topic: 'access.decided.v1',
    partition: 0,
    seq,
    requestId: `req-${seq}`,
    eventType: 'ai.clearance.access.decided.v1',
    producer: 'decision',
    time: '2026-11-27T02:00:00.000Z',
    raw: JSON.stringify({ n: seq }),
    ...overrides,
  };
}

function stored(sut: HashChain, materials: LinkMaterial[]): StoredLink[] {
  const links = sut.link(GENESIS_HASH, materials);
  return materials.map((m, i) => ({ ...m, chain: chainId(m.topic, m.partition), ...links[i]! }));
}

function verifyAll(sut: HashChain, records: StoredLink[]) {
  let prev: string | undefined;
  for (const r of records) {
    const broken = sut.verify(r, prev);
    if (broken) return broken;
    prev = r.hash;
  }
  return undefined;
}

describe(HashChain.name, () => {
  const sut = new HashChain();

  it('links each record to the one before it, starting from genesis', () => {
    const records = stored(sut, [material(0), material(1), material(2)]);
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    expect(records[1]!.prevHash).toBe(records[0]!.hash);
    expect(verifyAll(sut, records)).toBeUndefined();
  });

  it('names a changed record', () => {
    const records = stored(sut, [material(0), material(1), material(2)]);
    records[1] = { ...records[1]!, raw: JSON.stringify({ n: 'forged' }) };
    expect(verifyAll(sut, records)).toMatchObject({ kind: 'record-changed', seq: 1 });
  });

  it('names the link after a deleted record', () => {
    const records = stored(sut, [material(0), material(1), material(2)]);
    records.splice(1, 1);
    expect(verifyAll(sut, records)).toMatchObject({ kind: 'link-broken', seq: 2 });
  });

  it('names the link after an inserted record even when the forger rehashed it', () => {
    const records = stored(sut, [material(0), material(2)]);
    const forged = material(1, { raw: '{"forged":true}' });
    const hash = sut.hash(records[0]!.hash, forged);
    records.splice(1, 0, { ...forged, chain: records[0]!.chain, prevHash: records[0]!.hash, hash });
    expect(verifyAll(sut, records)).toMatchObject({ kind: 'link-broken', seq: 2 });
  });

  it('cannot be recomputed without the key when keyed', () => {
    const keyed = new HashChain('secret');
    expect(keyed.hash(GENESIS_HASH, material(0))).not.toBe(sut.hash(GENESIS_HASH, material(0)));
  });

  it('does not let one field bleed into the next', () => {
    const a = material(0, { producer: 'decision', time: 'x' });
    const b = material(0, { producer: 'decisio', time: 'nx' });
    expect(sut.hash(GENESIS_HASH, a)).not.toBe(sut.hash(GENESIS_HASH, b));
  });
});

describe(planChainBatch.name, () => {
  const chain = new HashChain();
  const id = chainId('access.decided.v1', 0);

  it('gives a redelivered, partially stored batch the same links as the first attempt', () => {
    const batch = [material(10), material(11), material(12), material(13)];
    const first = planChainBatch(chain, id, GENESIS_HASH, batch, new Map());
    // crash after an unordered insert stored 11 and 13 only
    const existing = new Map(
      [first.inserts[1]!, first.inserts[3]!].map((i) => [
        i.material.eventId,
        { chain: id, seq: i.material.seq, ...i.link },
      ]),
    );
    const sut = planChainBatch(chain, id, GENESIS_HASH, batch, existing);
    expect(sut.inserts.map((i) => i.material.seq)).toEqual([10, 12]);
    expect(sut.inserts.map((i) => i.link)).toEqual([first.inserts[0]!.link, first.inserts[2]!.link]);
    expect(sut.repairs).toEqual([]);
    expect(sut.head).toEqual({ seq: 13, hash: first.inserts[3]!.link.hash });
  });

  it('leaves out an event stored before under another offset and a repeat inside the batch', () => {
    const again = material(3);
    const existing = new Map([[again.eventId, { chain: id, seq: 3, prevHash: 'p', hash: 'h' }]]);
    const batch = [material(20), { ...again, seq: 21 }, { ...material(20), seq: 22 }, material(23)];
    const sut = planChainBatch(chain, id, GENESIS_HASH, batch, existing);
    expect(sut.inserts.map((i) => i.material.seq)).toEqual([20, 23]);
    expect(sut.duplicates).toHaveLength(2);
    expect(sut.inserts[1]!.link.prevHash).toBe(sut.inserts[0]!.link.hash);
  });

  it('rewrites the link of a record it stored at the same seq with a different predecessor', () => {
    const m = material(5);
    const existing = new Map([[m.eventId, { chain: id, seq: 5, prevHash: 'stale', hash: 'stale' }]]);
    const sut = planChainBatch(chain, id, GENESIS_HASH, [m], existing);
    expect(sut.inserts).toEqual([]);
    expect(sut.repairs).toEqual([
      { eventId: m.eventId, link: { prevHash: GENESIS_HASH, hash: chain.hash(GENESIS_HASH, m) } },
    ]);
  });
});
