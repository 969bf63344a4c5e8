import type { DecisionSectionV1 } from '@clearance/contracts';
import { aDecidedEvent } from '@clearance/testing';
import { DecisionBoard } from './decision.board';
import { decisionRecordOf, type DecisionRecord } from './decision.view';

const decidedBytes = (requestId: string, client = 'gateway'): Buffer =>
  Buffer.from(JSON.stringify(aDecidedEvent({ requestId, request: { client } })));

const aRecord = (overrides: Partial<DecisionRecord> = {}): DecisionRecord => ({
  requestId: 'req-1',
  client: 'gateway',
  decision: { outcome: 'deny' } as DecisionSectionV1,
  ...overrides,
});

describe(DecisionBoard.name, () => {
  const newBoard = (): DecisionBoard => new DecisionBoard({ maxRecent: 100, recentTtlMs: 60_000 });

  it('wakes a waiter when its decision arrives', async () => {
    const sut = newBoard();
    const waiting = sut.wait('gateway', 'req-1', 10_000);
    expect(sut.waiting).toBe(1);

    sut.record(aRecord());

    await expect(waiting.decision).resolves.toEqual(aRecord());
    expect(sut.waiting).toBe(0);
  });

  it('answers at once when the decision is already known', async () => {
    const sut = newBoard();
    sut.record(aRecord());
    await expect(sut.wait('gateway', 'req-1', 10_000).decision).resolves.toEqual(aRecord());
  });

  it('gives up after the timeout', async () => {
    jest.useFakeTimers();
    try {
      const sut = newBoard();
      const waiting = sut.wait('gateway', 'req-1', 5_000);
      jest.advanceTimersByTime(5_000);
      await expect(waiting.decision).resolves.toBeUndefined();
      expect(sut.waiting).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not let a decision for another client complete the wait', async () => {
    const sut = newBoard();
    const waiting = sut.wait('gateway', 'req-1', 10_000);
    sut.record(aRecord({ client: 'console' }));
    expect(sut.waiting).toBe(1);
    expect(sut.lookup('gateway', 'req-1')).toBeUndefined();
    waiting.cancel();
    await expect(waiting.decision).resolves.toBeUndefined();
    expect(sut.waiting).toBe(0);
  });

  it('reports accepted requests as pending until decided', () => {
    const sut = newBoard();
    sut.markAccepted('gateway', 'req-1');
    expect(sut.lookup('gateway', 'req-1')).toEqual({ status: 'pending' });
    sut.record(aRecord());
    expect(sut.lookup('gateway', 'req-1')).toEqual({ status: 'decided', record: aRecord() });
  });

  it('forgets decisions older than the TTL and beyond its size', () => {
    let now = 1_000;
    const sut = new DecisionBoard({ maxRecent: 2, recentTtlMs: 1_000, now: () => now });
    sut.record(aRecord({ requestId: 'a' }));
    now += 999;
    expect(sut.lookup('gateway', 'a')).toMatchObject({ status: 'decided' });
    now += 2;
    expect(sut.lookup('gateway', 'a')).toBeUndefined();

    sut.record(aRecord({ requestId: 'b' }));
    sut.record(aRecord({ requestId: 'c' }));
    sut.record(aRecord({ requestId: 'd' }));
    expect(sut.lookup('gateway', 'b')).toBeUndefined();
    expect(sut.lookup('gateway', 'd')).toMatchObject({ status: 'decided' });
  });

  it('wants the decisions of requests it accepted or someone waits for, and no others', async () => {
    const sut = newBoard();
    expect(sut.wants('req-1')).toBe(false);
    const waiting = sut.wait('gateway', 'req-1', 10_000);
    expect(sut.wants('req-1')).toBe(true);
    waiting.cancel();
    await waiting.decision;
    expect(sut.wants('req-1')).toBe(false);

    sut.markAccepted('gateway', 'req-2');
    expect(sut.wants('req-2')).toBe(true);
    expect(sut.wants('req-3')).toBe(false);
  });

  describe('decided events of requests nobody waits for', () => {
    const counting = (): { sut: DecisionBoard; decoded: string[] } => {
      const decoded: string[] = [];
      const sut = new DecisionBoard({
        maxRecent: 100,
        recentTtlMs: 60_000,
        decode: (value) => {
          const parsed = JSON.parse(value.toString('utf8')) as { requestId: string };
          decoded.push(parsed.requestId);
          return decisionRecordOf(value);
        },
      });
      return { sut, decoded };
    };

    it('are kept undecoded and decoded, validated, on the first lookup', () => {
      const { sut, decoded } = counting();
      sut.markAccepted('gateway', 'req-1');
      sut.offer('req-1', decidedBytes('req-1'));
      expect(decoded).toEqual([]);
      expect(sut.undecodedUsage.entries).toBe(1);

      expect(sut.lookup('gateway', 'req-1')).toMatchObject({
        status: 'decided',
        record: { requestId: 'req-1', client: 'gateway', decision: { outcome: 'allow' } },
      });
      expect(sut.lookup('gateway', 'req-1')).toMatchObject({ status: 'decided' });
      expect(decoded).toEqual(['req-1']);
      expect(sut.undecodedUsage).toEqual({ bytes: 0, entries: 0 });
    });

    it('are decoded at once for a waiting caller', async () => {
      const { sut, decoded } = counting();
      sut.markAccepted('gateway', 'req-1');
      const waiting = sut.wait('gateway', 'req-1', 10_000);
      sut.offer('req-1', decidedBytes('req-1'));
      expect(decoded).toEqual(['req-1']);
      await expect(waiting.decision).resolves.toMatchObject({ requestId: 'req-1' });
    });

    it('answer a later wait at once (an idempotent replay of a decided request)', async () => {
      const sut = newBoard();
      sut.markAccepted('gateway', 'req-1');
      sut.offer('req-1', decidedBytes('req-1'));
      await expect(sut.wait('gateway', 'req-1', 10_000).decision).resolves.toMatchObject({
        requestId: 'req-1',
      });
      expect(sut.waiting).toBe(0);
    });

    it('are never shown when they do not validate: the request stays pending', () => {
      const sut = newBoard();
      sut.markAccepted('gateway', 'req-1');
      const bad = JSON.parse(decidedBytes('req-1').toString('utf8')) as { decision: { outcome: string } };
      bad.decision.outcome = 'maybe';
      sut.offer('req-1', Buffer.from(JSON.stringify(bad)));
      sut.offer('req-1', Buffer.from('{not json'));
      expect(sut.lookup('gateway', 'req-1')).toEqual({ status: 'pending' });
    });

    it('are not shown for a request id other than their key, nor to another client', () => {
      const sut = newBoard();
      sut.markAccepted('gateway', 'req-1');
      sut.markAccepted('gateway', 'req-2');
      sut.offer('req-1', decidedBytes('req-2'));
      expect(sut.lookup('gateway', 'req-1')).toEqual({ status: 'pending' });
      sut.offer('req-2', decidedBytes('req-2', 'console'));
      expect(sut.lookup('gateway', 'req-2')).toEqual({ status: 'pending' });
      expect(sut.lookup('console', 'req-2')).toMatchObject({ status: 'decided' });
    });

    it('are ignored for requests this instance did not accept', () => {
      const { sut, decoded } = counting();
      sut.offer('req-9', decidedBytes('req-9'));
      expect(sut.undecodedUsage.entries).toBe(0);
      expect(sut.lookup('gateway', 'req-9')).toBeUndefined();
      expect(decoded).toEqual([]);
    });

    it('are copied out of the fetched buffer, and bounded in bytes', () => {
      const one = decidedBytes('req-0').length;
      const sut = new DecisionBoard({ maxRecent: 100, recentTtlMs: 60_000, maxUndecodedBytes: one * 3 });
      const fetched = Buffer.concat([decidedBytes('req-0'), Buffer.alloc(10_000)]);
      sut.markAccepted('gateway', 'req-0');
      sut.offer('req-0', fetched.subarray(0, one));
      fetched.fill(0); // a kept slice would pin the whole fetch response, and here would read zeros
      expect(sut.lookup('gateway', 'req-0')).toMatchObject({ status: 'decided' });

      for (let i = 1; i <= 5; i++) {
        sut.markAccepted('gateway', `req-${i}`);
        sut.offer(`req-${i}`, decidedBytes(`req-${i}`));
      }
      expect(sut.undecodedUsage.entries).toBe(3);
      expect(sut.undecodedUsage.bytes).toBeLessThanOrEqual(one * 3);
      // the oldest were dropped: this instance says pending, and the audit store answers the GET
      expect(sut.lookup('gateway', 'req-1')).toEqual({ status: 'pending' });
      expect(sut.lookup('gateway', 'req-5')).toMatchObject({ status: 'decided' });
    });
  });
});
