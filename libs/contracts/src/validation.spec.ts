import { Topics } from './topics';
import { parseEvent, validateEvent } from './validation';

const T0 = '2026-11-27T00:00:00.000Z';
const requested = (): Record<string, unknown> => ({
  eventId: '5b0f6f0e-8f0a-4c55-9d0e-2a7c3f1b9e10',
  requestId: 'req-1',
  time: T0,
  producer: 'ingest',
  timestamps: { requestedAt: T0 },
  request: {
    requestId: 'req-1',
    subject: { userId: 'u1', claimedCountry: 'US' },
    network: { ip: '2001:4860:4860::8888', forwardedFor: ['8.8.4.4'] },
    resource: { model: 'm', action: 'inference' },
    occurredAt: T0,
    client: 'c',
  },
});

describe(validateEvent.name, () => {
  const sut = validateEvent;

  it('returns the very object it was given, unknown fields and all', () => {
    const event = { ...requested(), addedInV1_1: { nested: true } };

    const result = sut(Topics.AccessRequested, event);

    expect(result).toEqual({ ok: true, event });
    expect(result.ok && result.event).toBe(event);
  });

  it("explains a rejection with class-validator's messages", () => {
    const event = requested();
    (event.request as { network: { ip: string } }).network.ip = '1.2.3.256';
    event.time = 'yesterday';

    const result = sut(Topics.AccessRequested, event);

    expect(result).toEqual({
      ok: false,
      kind: 'schema-violation',
      reason:
        'event does not match access.requested.v1: request.network.ip: ip must be an ip address; ' +
        'time: time must be a valid ISO 8601 date string',
      details: [
        'request.network.ip: ip must be an ip address',
        'time: time must be a valid ISO 8601 date string',
      ],
    });
  });

  it('accepts null for an optional field, as class-validator always has', () => {
    expect(sut(Topics.AccessRequested, { ...requested(), causationId: null }).ok).toBe(true);
  });

  it.each([
    ['an empty array', []],
    ['an array holding the section', [requested().request]],
  ])('rejects %s where a nested section belongs, which class-validator lets through', (_, request) => {
    const result = sut(Topics.AccessRequested, { ...requested(), request });

    expect(result).toEqual({
      ok: false,
      kind: 'schema-violation',
      reason: 'event does not match access.requested.v1 (schema): request: must be object',
      details: ['request: must be object'],
    });
  });

  it('rejects what is not a JSON object', () => {
    expect(sut(Topics.AccessRequested, [requested()])).toMatchObject({
      ok: false,
      reason: 'event is not a JSON object',
    });
  });

  it('parses bytes and validates them in one step', () => {
    const bytes = Buffer.from(JSON.stringify(requested()));

    expect(parseEvent(Topics.AccessRequested, bytes).ok).toBe(true);
    expect(parseEvent(Topics.AccessRequested, Buffer.from('{'))).toMatchObject({
      ok: false,
      kind: 'invalid-json',
    });
  });
});
