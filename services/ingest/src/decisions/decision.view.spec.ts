import { aDecidedEvent } from '@clearance/testing';
import { decisionRecordOf, toDecisionView } from './decision.view';

describe(toDecisionView.name, () => {
  it('shows the caller-facing part of a valid decision', () => {
    const { decision } = aDecidedEvent();
    const sut = toDecisionView(decision);
    expect(sut).toEqual({
      ok: true,
      view: {
        outcome: decision.outcome,
        reasons: decision.reasons,
        obligations: decision.obligations,
        policy: decision.policy,
        tier: decision.tier,
        ttlSeconds: decision.ttlSeconds,
        decidedAt: decision.decidedAt,
        latency: decision.latency,
      },
    });
  });

  it('never shows a decision that does not validate', () => {
    const { decision } = aDecidedEvent();
    expect(toDecisionView({ ...decision, outcome: 'maybe' }).ok).toBe(false);
    expect(toDecisionView(undefined).ok).toBe(false);
  });
});

describe(decisionRecordOf.name, () => {
  it('keeps request id, client and decision of a decided event', () => {
    const event = aDecidedEvent({ request: { client: 'gateway' } });
    expect(decisionRecordOf(event)).toEqual({
      requestId: event.requestId,
      client: 'gateway',
      decision: event.decision,
    });
  });

  it('ignores what is not a decided event', () => {
    expect(decisionRecordOf({ requestId: 'r' })).toBeUndefined();
    expect(decisionRecordOf('x')).toBeUndefined();
  });
});
