import { aRequestChain } from '@clearance/testing';
import { buckets, recordOfDecision } from './request.projection';

describe(recordOfDecision.name, () => {
  const storedAt = new Date('2026-11-27T03:00:00.000Z');
  const c = aRequestChain({
    organizationId: 'org-1',
    country: 'US',
    outcome: 'deny',
    reasons: ['NET_VPN', 'GEO_NOT_DOMESTIC'],
  });

  it('takes subject, address, country, model, outcome, reasons, policy and stage times from the decision', () => {
    const sut = recordOfDecision(c.decided, storedAt);
    expect(sut).toMatchObject({
      _id: c.requested.requestId,
      userId: 'user-1',
      organizationId: 'org-1',
      ip: '203.0.113.7',
      country: 'US',
      model: 'frontier-1',
      geoStatus: 'ok',
      anonymizers: [],
      outcome: 'deny',
      reasons: ['NET_VPN', 'GEO_NOT_DOMESTIC'],
      policyId: 'default',
      policyVersion: '2026.11.1',
      verificationLevel: 'entity-approved',
      screeningStatus: 'clear',
      time: new Date(c.requested.timestamps.requestedAt),
      hour: '2026-11-27T02',
      day: '2026-11-27',
      latency: { totalMs: 12 },
      decisionEventId: c.decided.eventId,
      storedAt,
    });
    expect(sut.timestamps).toEqual({
      requestedAt: new Date(c.decided.timestamps.requestedAt),
      geolocatedAt: new Date(c.decided.timestamps.geolocatedAt!),
      verifiedAt: new Date(c.decided.timestamps.verifiedAt!),
      decidedAt: new Date(c.decided.timestamps.decidedAt!),
    });
  });

  it('leaves out what the decision does not carry instead of storing undefined', () => {
    const sut = recordOfDecision(c.decided, storedAt);
    expect(Object.values(sut).includes(undefined)).toBe(false);
    expect('claimedCountry' in sut).toBe(false);
    expect('shadowOutcome' in sut).toBe(false);
  });

  it('is the same record however often the decision is delivered', () => {
    expect(recordOfDecision(c.decided, storedAt)).toEqual(
      recordOfDecision(structuredClone(c.decided), storedAt),
    );
  });
});

describe(buckets.name, () => {
  it('names the UTC hour and day', () => {
    expect(buckets(new Date('2026-12-31T23:59:59.999Z'))).toEqual({
      hour: '2026-12-31T23',
      day: '2026-12-31',
    });
  });
});
