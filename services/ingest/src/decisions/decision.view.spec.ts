import { encodeEvent } from '@clearance/kafka';
import { Topics } from '@clearance/contracts';
import { aDecidedEvent } from '@clearance/testing';
import { decisionRecordOf, toDecisionView } from './decision.view';

const bytesOf = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe(toDecisionView.name, () => {
  it('shows the caller-facing part of a decision', () => {
    const { decision } = aDecidedEvent();
    const sut = toDecisionView(decision);
    expect(sut).toEqual({
      outcome: decision.outcome,
      reasons: decision.reasons,
      obligations: decision.obligations,
      policy: decision.policy,
      tier: decision.tier,
      ttlSeconds: decision.ttlSeconds,
      decidedAt: decision.decidedAt,
      latency: decision.latency,
    });
  });
});

describe(decisionRecordOf.name, () => {
  it('keeps request id, client and decision of a decided event', () => {
    const event = aDecidedEvent({ request: { client: 'gateway' } });
    const message = encodeEvent(Topics.AccessDecided, event);
    expect(decisionRecordOf(Buffer.from(message.value as string))).toEqual({
      requestId: event.requestId,
      client: 'gateway',
      decision: event.decision,
    });
  });

  it('never takes a decision that does not validate', () => {
    const event = aDecidedEvent();
    expect(
      decisionRecordOf(bytesOf({ ...event, decision: { ...event.decision, outcome: 'maybe' } })),
    ).toBeUndefined();
    expect(decisionRecordOf(bytesOf({ ...event, decision: undefined }))).toBeUndefined();
  });

  it('ignores what is not a decided event', () => {
    expect(decisionRecordOf(bytesOf({ requestId: 'r' }))).toBeUndefined();
    expect(decisionRecordOf(Buffer.from('x'))).toBeUndefined();
    expect(decisionRecordOf(null)).toBeUndefined();
  });
});
