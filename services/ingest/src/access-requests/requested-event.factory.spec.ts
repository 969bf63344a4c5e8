import { Topics, validateEvent } from '@clearance/contracts';
import { plainToInstance } from 'class-transformer';
import { AccessRequestBodyDto } from './access-request.dto';
import { requestedEvent, requestIdentity } from './requested-event.factory';

const aBody = (overrides: Record<string, unknown> = {}): AccessRequestBodyDto =>
  plainToInstance(AccessRequestBodyDto, {
    subject: { userId: 'user-1', claimedCountry: 'US' },
    network: { ip: '203.0.113.10' },
    resource: { model: 'frontier-1', action: 'inference' },
    ...overrides,
  });

describe(requestedEvent.name, () => {
  it('builds a valid access.requested.v1 event naming the client', () => {
    const now = new Date('2026-11-27T03:00:00.000Z');
    const sut = requestedEvent(aBody(), 'gateway', requestIdentity('gateway', {}, undefined), now);

    expect(validateEvent(Topics.AccessRequested, JSON.parse(JSON.stringify(sut)))).toMatchObject({
      ok: true,
    });
    expect(sut.request.client).toBe('gateway');
    expect(sut.producer).toBe('ingest');
    expect(sut.timestamps).toEqual({ requestedAt: now.toISOString() });
    expect(sut.request.occurredAt).toBe(now.toISOString());
    expect(Object.keys(sut.request.subject)).toEqual(['userId', 'claimedCountry']);
  });

  it('keeps the caller’s occurredAt', () => {
    const sut = requestedEvent(aBody({ occurredAt: '2026-11-27T02:59:59.000Z' }), 'gateway', {
      requestId: 'r',
      eventId: '00000000-0000-4000-8000-000000000000',
    });
    expect(sut.request.occurredAt).toBe('2026-11-27T02:59:59.000Z');
  });
});

describe(requestIdentity.name, () => {
  it('derives both ids from client, idempotency key and the time the key was claimed', () => {
    const sut = requestIdentity;
    const at = new Date('2026-12-01T10:00:00.000Z');
    expect(sut('gateway', {}, 'k1', at)).toEqual(sut('gateway', {}, 'k1', at));
    expect(sut('gateway', {}, 'k1', at)).not.toEqual(sut('console', {}, 'k1', at));
    // the same key claimed again after its claim expired is a new request
    expect(sut('gateway', {}, 'k1', at).eventId).not.toBe(sut('gateway', {}, 'k1', new Date()).eventId);
  });

  it('uses the caller’s request id, and it as the key when no header is sent', () => {
    const sut = requestIdentity;
    const ids = sut('gateway', { requestId: 'req-1' }, undefined);
    expect(ids.requestId).toBe('req-1');
    expect(ids.eventId).toBe(sut('gateway', { requestId: 'req-1' }, undefined).eventId);
  });

  it('makes fresh ids without any key', () => {
    const sut = requestIdentity;
    expect(sut('gateway', {}, undefined).requestId).not.toBe(sut('gateway', {}, undefined).requestId);
  });
});
