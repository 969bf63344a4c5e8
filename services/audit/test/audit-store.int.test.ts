import { Topics } from '@clearance/contracts';
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
});
