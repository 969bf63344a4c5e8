import { Topics } from '@clearance/contracts';
import { AuditStore } from '../src/store/audit.store';
import { StoreWriteError } from '../src/store/events/audit-event.repository';
import { IntegrityChecker } from '../src/store/chain/integrity.checker';
import { aRequestChain } from '@clearance/testing';
import { openStoreHarness, type StoreHarness } from './audit-store.harness';

// The store path against the real database (FerretDB here, MongoDB in production), without Kafka.
describe('AuditStore against the database', () => {
  let h: StoreHarness;
  const msg = (e: object, offset: number) => ({
    raw: JSON.stringify(e),
    offset: String(offset),
    headers: {},
  });

  beforeAll(async () => {
    h = await openStoreHarness('audit_store_it');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('quarantines what it cannot store, with the reason, and stores the rest', async () => {
    const c = aRequestChain();
    const sut = await h.store.storeBatch(Topics.AccessRequested, 5, [
      msg(c.requested, 0),
      { raw: '{not json', offset: '1', headers: {} },
      msg({ ...c.requested, eventId: 42 }, 2),
    ]);
    expect(sut).toEqual({ stored: 1, duplicates: 0, quarantined: 2 });
    const quarantined = await h.quarantine.list(10);
    expect(quarantined.map((q) => [q.offset, q.reason]).sort()).toEqual([
      ['1', 'value is not JSON'],
      ['2', 'no usable eventId'],
    ]);
  });

  it('converges on the same chain when a crashed, partly written batch is delivered again', async () => {
    const chains = Array.from({ length: 6 }, () => aRequestChain());
    const batch = chains.map((c, i) => msg(c.decided, 100 + i));
    await h.store.storeBatch(Topics.AccessDecided, 3, batch);
    const events = h.connection.collection<{ _id: string; hash: string; prevHash: string }>('audit_events');
    const first = await events
      .find({ chain: `${Topics.AccessDecided}#3` })
      .sort({ seq: 1 })
      .toArray();
    // as if the unordered insert had stored only some records before the process died
    await events.deleteMany({ _id: { $in: [first[1]!._id, first[4]!._id] } });
    await h.connection.collection('audit_chain_heads').deleteMany({});
    const sut = await h.store.storeBatch(Topics.AccessDecided, 3, batch);
    expect(sut.stored).toBe(2);
    const again = await events
      .find({ chain: `${Topics.AccessDecided}#3` })
      .sort({ seq: 1 })
      .toArray();
    expect(again.map((e) => [e._id, e.prevHash, e.hash])).toEqual(
      first.map((e) => [e._id, e.prevHash, e.hash]),
    );
    expect(await new IntegrityChecker(h.events).check()).toMatchObject({ ok: true });
  });

  it('keeps a redelivered event out of the chain when it sits at another offset', async () => {
    const c = aRequestChain();
    await h.store.storeBatch(Topics.AccessVerified, 0, [msg(c.verified, 0)]);
    const other = aRequestChain();
    const sut = await h.store.storeBatch(Topics.AccessVerified, 0, [
      msg(c.verified, 1),
      msg(other.verified, 2),
    ]);
    expect(sut).toEqual({ stored: 1, duplicates: 1, quarantined: 0 });
    expect(await new IntegrityChecker(h.events).check()).toMatchObject({ ok: true });
  });

  it('finds the deletion of the newest records of a chain through its head', async () => {
    const chains = Array.from({ length: 3 }, () => aRequestChain());
    await h.store.storeBatch(
      Topics.AccessGeolocated,
      7,
      chains.map((c, i) => msg(c.geolocated, i)),
    );
    await h.connection
      .collection('audit_events')
      .deleteOne({ chain: `${Topics.AccessGeolocated}#7`, seq: 2 });
    expect(await new IntegrityChecker(h.events).check()).toMatchObject({
      ok: false,
      firstBreak: { kind: 'head-mismatch', chain: `${Topics.AccessGeolocated}#7`, seq: 2 },
    });
  });

  it('writes each request record once, from its decision, with nothing written for the other stages', async () => {
    const partitions = [0, 1, 2];
    const chains = partitions.map(() => Array.from({ length: 120 }, () => aRequestChain({ country: 'DE' })));
    for (const stage of ['requested', 'geolocated', 'verified'] as const)
      await Promise.all(
        partitions.map((p) =>
          h.store.storeBatch(
            stage === 'requested'
              ? Topics.AccessRequested
              : stage === 'geolocated'
                ? Topics.AccessGeolocated
                : Topics.AccessVerified,
            20 + p,
            chains[p]!.map((c, i) => msg(c[stage], i)),
          ),
        ),
      );
    const ids = chains.flat().map((c) => c.requested.requestId);
    const records = h.connection.collection('audit_requests');
    expect(await records.countDocuments({ _id: { $in: ids as never[] } })).toBe(0);
    const decide = () =>
      Promise.all(
        partitions.map((p) =>
          h.store.storeBatch(
            Topics.AccessDecided,
            20 + p,
            chains[p]!.map((c, i) => msg(c.decided, i)),
          ),
        ),
      );
    expect(await decide()).toEqual(partitions.map(() => ({ stored: 120, duplicates: 0, quarantined: 0 })));
    // the same batches again (a redelivery after a crash before the commit): every event a duplicate, no error
    expect(await decide()).toEqual(partitions.map(() => ({ stored: 0, duplicates: 120, quarantined: 0 })));
    const stored = await Promise.all(ids.map((id) => h.requests.findById(id)));
    expect(
      stored.filter((r) => r?.country === 'DE' && r.outcome === 'allow' && r.timestamps?.geolocatedAt),
    ).toHaveLength(360);
    expect(await records.countDocuments({ _id: { $in: ids as never[] } })).toBe(360);
  });

  describe('two writers of one chain (a partition that moves between audit replicas)', () => {
    // a database of its own: the integrity check below covers every chain, and the tests above break one on purpose
    let h: StoreHarness;
    beforeAll(async () => {
      h = await openStoreHarness('audit_store_replicas_it');
    });
    afterAll(async () => {
      await h?.close();
    });
    const replica = () => new AuditStore(h.events, h.requests, h.quarantine);
    const geolocated = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => msg(aRequestChain().geolocated, from + i));
    const heads = () => h.connection.collection<{ _id: string }>('audit_chain_heads');

    it('links a batch after its own last batch without reading the head, and verifies', async () => {
      const sut = replica();
      const reads = jest.spyOn(h.events, 'head');
      try {
        await sut.storeBatch(Topics.AccessGeolocated, 30, geolocated(0, 4));
        const before = reads.mock.calls.length;
        // a quarantined message at the end still counts as consumed: the next batch continues after it
        await sut.storeBatch(Topics.AccessGeolocated, 30, [
          ...geolocated(4, 3),
          { raw: '{not json', offset: '7', headers: {} },
        ]);
        await sut.storeBatch(Topics.AccessGeolocated, 30, geolocated(8, 3));
        expect(reads.mock.calls.length).toBe(before);
      } finally {
        reads.mockRestore();
      }
      expect(await new IntegrityChecker(h.events).check()).toMatchObject({ ok: true });
    });

    it('reads the stored head when the partition comes back after the other replica stored in between', async () => {
      const a = replica();
      const b = replica();
      await a.storeBatch(Topics.AccessGeolocated, 31, geolocated(0, 5));
      await b.storeBatch(Topics.AccessGeolocated, 31, geolocated(5, 5));
      expect(await a.storeBatch(Topics.AccessGeolocated, 31, geolocated(10, 5))).toEqual({
        stored: 5,
        duplicates: 0,
        quarantined: 0,
      });
      expect(await new IntegrityChecker(h.events).check()).toMatchObject({ ok: true });
    });

    it('refuses a batch whose head another writer moved, and stores it once on the retry', async () => {
      const a = replica();
      const b = replica();
      await a.storeBatch(Topics.AccessGeolocated, 32, geolocated(0, 5));
      // the other replica stored the very batch this one is about to get (a rebalance before its commit)
      const next = geolocated(5, 5);
      await b.storeBatch(Topics.AccessGeolocated, 32, next);
      await expect(a.storeBatch(Topics.AccessGeolocated, 32, next)).rejects.toThrow(StoreWriteError);
      expect(await a.storeBatch(Topics.AccessGeolocated, 32, next)).toEqual({
        stored: 0,
        duplicates: 5,
        quarantined: 0,
      });
      expect(await new IntegrityChecker(h.events).check()).toMatchObject({ ok: true });
    });

    it('refuses a batch when the head it wrote is gone, and links it from the stored chain on the retry', async () => {
      const sut = replica();
      await sut.storeBatch(Topics.AccessGeolocated, 33, geolocated(0, 5));
      // as if another writer's relinking or a restore had left the head other than this process wrote it
      await heads().deleteOne({ _id: `${Topics.AccessGeolocated}#33` });
      const next = geolocated(5, 5);
      await expect(sut.storeBatch(Topics.AccessGeolocated, 33, next)).rejects.toThrow(StoreWriteError);
      expect(await sut.storeBatch(Topics.AccessGeolocated, 33, next)).toEqual({
        stored: 0,
        duplicates: 5,
        quarantined: 0,
      });
      expect(await new IntegrityChecker(h.events).check()).toMatchObject({ ok: true });
    });
  });

  describe('partition batches in flight together (one fetch of kafkajs)', () => {
    // a database of its own: the integrity check below covers every chain
    let h: StoreHarness;
    beforeAll(async () => {
      h = await openStoreHarness('audit_store_joint_it');
    });
    afterAll(async () => {
      await h?.close();
    });
    const batchOf = (stage: 'requested' | 'decided', from: number, n: number) =>
      Array.from({ length: n }, (_, i) => msg(aRequestChain()[stage], from + i));

    it('stores the batches of several chains with one events insert, one records insert and joint head updates', async () => {
      const sut = new AuditStore(h.events, h.requests, h.quarantine);
      const partitions = [0, 1, 2];
      // the first batch of each chain reads its head and moves it by upsert; the second one is this writer's own
      // continuation, whose writes the store joins
      await Promise.all(
        partitions.flatMap((p) => [
          sut.storeBatch(Topics.AccessRequested, p, batchOf('requested', 0, 2)),
          sut.storeBatch(Topics.AccessDecided, p, batchOf('decided', 0, 2)),
        ]),
      );
      const eventInserts = jest.spyOn(h.events, 'insertGroups');
      const recordInserts = jest.spyOn(h.requests, 'insertGroups');
      const headMoves = jest.spyOn(h.events, 'advanceHeadsFrom');
      try {
        const results = await Promise.all(
          partitions.flatMap((p) => [
            sut.storeBatch(Topics.AccessRequested, p, batchOf('requested', 2, 3)),
            sut.storeBatch(Topics.AccessDecided, p, batchOf('decided', 2, 3)),
          ]),
        );
        expect(results).toEqual(results.map(() => ({ stored: 3, duplicates: 0, quarantined: 0 })));
        expect(eventInserts.mock.calls.map(([groups]) => groups.length)).toEqual([6]);
        expect(recordInserts.mock.calls.map(([groups]) => groups.length)).toEqual([3]);
        // the decided batches move their heads after their records are in: one update for each kind of batch
        expect(headMoves.mock.calls.map(([moves]) => moves.length)).toEqual([3, 3]);
      } finally {
        eventInserts.mockRestore();
        recordInserts.mockRestore();
        headMoves.mockRestore();
      }
      expect(await h.connection.collection('audit_requests').countDocuments({})).toBe(15);
      expect(await new IntegrityChecker(h.events).check()).toMatchObject({ ok: true });
    });

    it('fails only the batch whose head another writer moved, and stores it once on the retry', async () => {
      const a = new AuditStore(h.events, h.requests, h.quarantine);
      const b = new AuditStore(h.events, h.requests, h.quarantine);
      await Promise.all(
        [5, 6].map((p) => a.storeBatch(Topics.AccessRequested, p, batchOf('requested', 0, 3))),
      );
      const moved = batchOf('requested', 3, 3);
      // the other replica stored partition 5's next batch first (a rebalance before this one's commit)
      await b.storeBatch(Topics.AccessRequested, 5, moved);
      const [lost, kept] = await Promise.allSettled([
        a.storeBatch(Topics.AccessRequested, 5, moved),
        a.storeBatch(Topics.AccessRequested, 6, batchOf('requested', 3, 3)),
      ]);
      expect(lost).toMatchObject({ status: 'rejected', reason: expect.any(StoreWriteError) });
      expect(kept).toEqual({ status: 'fulfilled', value: { stored: 3, duplicates: 0, quarantined: 0 } });
      expect(await a.storeBatch(Topics.AccessRequested, 5, moved)).toEqual({
        stored: 0,
        duplicates: 3,
        quarantined: 0,
      });
      // both chains go on from this writer's heads
      expect(
        await Promise.all(
          [5, 6].map((p) => a.storeBatch(Topics.AccessRequested, p, batchOf('requested', 6, 2))),
        ),
      ).toEqual([5, 6].map(() => ({ stored: 2, duplicates: 0, quarantined: 0 })));
      expect(await new IntegrityChecker(h.events).check()).toMatchObject({ ok: true });
    });

    it('fails only the batch whose offsets hold other events, and stores the others of the same insert', async () => {
      const sut = new AuditStore(h.events, h.requests, h.quarantine);
      await Promise.all([7, 8].map((p) => sut.storeBatch(Topics.AccessDecided, p, batchOf('decided', 0, 2))));
      // partition 7's offsets 2..3 already hold events this batch does not carry (a topic re-created under its name)
      await new AuditStore(h.events, h.requests, h.quarantine).storeBatch(
        Topics.AccessDecided,
        7,
        batchOf('decided', 2, 2),
      );
      const [foreign, kept] = await Promise.allSettled([
        sut.storeBatch(Topics.AccessDecided, 7, batchOf('decided', 2, 2)),
        sut.storeBatch(Topics.AccessDecided, 8, batchOf('decided', 2, 2)),
      ]);
      expect(foreign).toMatchObject({
        status: 'rejected',
        reason: expect.objectContaining({ message: expect.stringContaining('already hold other events') }),
      });
      expect(kept).toEqual({ status: 'fulfilled', value: { stored: 2, duplicates: 0, quarantined: 0 } });
      expect(await h.connection.collection('audit_requests').countDocuments({})).toBeGreaterThanOrEqual(
        15 + 4 + 2 + 2,
      );
      expect(await new IntegrityChecker(h.events).check()).toMatchObject({ ok: true });
    });
  });
});
