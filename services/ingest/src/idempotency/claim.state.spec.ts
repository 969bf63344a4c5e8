import { claimState, outcomeId } from './claim.state';
import type { ClaimDoc } from './idempotency-claim.schema';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const WINDOW = 10_000;
const aClaim = (overrides: Partial<ClaimDoc> = {}): ClaimDoc => ({
  _id: 'c1',
  fingerprint: 'f1',
  requestId: 'r1',
  eventId: 'e1',
  eventTime: new Date(T0),
  createdAt: new Date(T0),
  expiresAt: new Date(T0 + 86_400_000),
  ...overrides,
});

describe(claimState.name, () => {
  const sut = claimState;

  it('says a key nobody holds is absent', () => {
    expect(sut(null, false, 'f1', T0, WINDOW)).toEqual({ kind: 'absent' });
  });

  it('answers the first request for the same body once the broker acknowledged it', () => {
    expect(sut(aClaim(), true, 'f1', T0 + 1, WINDOW).kind).toBe('accepted');
  });

  it('is a conflict for another body, acknowledged or not', () => {
    expect(sut(aClaim(), true, 'f2', T0 + 1, WINDOW).kind).toBe('conflict');
    expect(sut(aClaim(), false, 'f2', T0 + 1, WINDOW).kind).toBe('conflict');
  });

  it('waits for an unacknowledged claim inside the window, and calls it unknown after it', () => {
    expect(sut(aClaim(), false, 'f1', T0 + WINDOW - 1, WINDOW)).toMatchObject({
      kind: 'in-flight',
      untilMs: T0 + WINDOW,
    });
    expect(sut(aClaim(), false, 'f1', T0 + WINDOW, WINDOW).kind).toBe('unknown');
  });

  it('lets an expired claim go whatever it says, for any body', () => {
    const claim = aClaim({ expiresAt: new Date(T0 + 60_000) });
    expect(sut(claim, true, 'f1', T0 + 60_000, WINDOW).kind).toBe('expired');
    expect(sut(claim, false, 'f2', T0 + 60_000, WINDOW).kind).toBe('expired');
  });
});

describe(outcomeId.name, () => {
  it('names one generation of a claim', () => {
    expect(outcomeId(aClaim())).not.toBe(outcomeId(aClaim({ createdAt: new Date(T0 + 1) })));
  });
});
