import type { DecisionSectionV1 } from '@clearance/contracts';
import { DecisionBoard } from './decision.board';
import type { DecisionRecord } from './decision.view';

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
});
