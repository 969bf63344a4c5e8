import { aDecidedEvent } from '@clearance/testing';
import { interpretAuditRecord } from './audit.client';

describe(interpretAuditRecord.name, () => {
  const sut = interpretAuditRecord;

  it('takes the decision of a decided event in the timeline', () => {
    const event = aDecidedEvent({ request: { client: 'gateway' } });
    expect(sut({ record: { client: 'gateway' }, events: [{ event }] }, 'gateway')).toEqual({
      status: 'decided',
      decision: event.decision,
    });
  });

  it('builds the decision from the flat projection', () => {
    const result = sut(
      {
        client: 'gateway',
        outcome: 'deny',
        reasons: ['GEO_EMBARGOED_COUNTRY'],
        policyId: 'p',
        policyVersion: '1',
      },
      'gateway',
    );
    expect(result).toMatchObject({
      status: 'decided',
      decision: {
        outcome: 'deny',
        reasons: [{ code: 'GEO_EMBARGOED_COUNTRY' }],
        policy: { id: 'p', version: '1' },
      },
    });
  });

  it('reports a record without a decision as pending', () => {
    expect(sut({ record: { client: 'gateway', model: 'frontier-1' } }, 'gateway')).toEqual({
      status: 'pending',
    });
  });

  it('hides a request of another client', () => {
    expect(sut({ client: 'console', outcome: 'allow' }, 'gateway')).toEqual({ status: 'not-found' });
  });
});
