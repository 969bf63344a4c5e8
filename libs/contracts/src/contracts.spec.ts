import { deterministicEventId } from './cloudevents';
import { deriveEnvelope } from './envelope.helpers';
import { Topics } from './topics';
import { parseEvent, validateEvent } from './validation';

const requested = () => ({
  eventId: '5b0f6f0e-8f0a-4c55-9d0e-2a7c3f1b9e10',
  requestId: 'req-1',
  time: '2026-11-27T00:00:00.000Z',
  producer: 'ingest',
  timestamps: { requestedAt: '2026-11-27T00:00:00.000Z' },
  request: {
    requestId: 'req-1',
    subject: { userId: 'u1' },
    network: { ip: '2001:4860:4860::8888' },
    resource: { model: 'm', action: 'inference' },
    occurredAt: '2026-11-27T00:00:00.000Z',
    client: 'c',
  },
});

describe('event validation', () => {
  it('accepts a valid event and keeps fields it does not know (consumers ignore, not strip)', () => {
    const result = validateEvent(Topics.AccessRequested, { ...requested(), addedInV1_1: 'x' });

    expect(result.ok && (result.event as unknown as { addedInV1_1: string }).addedInV1_1).toBe('x');
  });

  it('names every offending field, nested ones with their path', () => {
    const bad = requested();
    bad.request.network.ip = 'not-an-ip';
    (bad.request.subject as { claimedCountry?: string }).claimedCountry = 'XX';

    const result = validateEvent(Topics.AccessRequested, bad);

    expect(result.ok).toBe(false);
    expect(!result.ok && result.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^request\.network\.ip: /),
        expect.stringMatching(/^request\.subject\.claimedCountry: /),
      ]),
    );
  });

  it('rejects a missing nested section instead of letting it through', () => {
    const { request: _request, ...noRequest } = requested();

    const result = validateEvent(Topics.AccessRequested, noRequest);

    expect(!result.ok && result.details).toEqual(
      expect.arrayContaining([expect.stringMatching(/^request: /)]),
    );
  });

  it.each([
    ['not JSON', Buffer.from('{nope'), 'invalid-json'],
    ['empty', Buffer.alloc(0), 'invalid-json'],
    ['an array', Buffer.from('[]'), 'schema-violation'],
    ['a string', Buffer.from('"x"'), 'schema-violation'],
  ])('classifies %s', (_label, bytes, kind) => {
    const result = parseEvent(Topics.AccessRequested, bytes);

    expect(!result.ok && result.kind).toBe(kind);
  });
});

describe(deriveEnvelope.name, () => {
  it('derives the same id for the same input and stage, so a redelivered input yields the same output id', () => {
    const input = requested() as Parameters<typeof deriveEnvelope>[0];

    const a = deriveEnvelope(input, 'geolocation', 'geolocatedAt', new Date('2026-11-27T00:00:01Z'));
    const b = deriveEnvelope(input, 'geolocation', 'geolocatedAt', new Date('2026-11-27T00:00:05Z'));

    expect(a.eventId).toBe(b.eventId);
    expect(a.eventId).not.toBe(deriveEnvelope(input, 'verification', 'verifiedAt').eventId);
    expect(a).toMatchObject({
      requestId: 'req-1',
      causationId: input.eventId,
      producer: 'geolocation',
      timestamps: { requestedAt: '2026-11-27T00:00:00.000Z', geolocatedAt: '2026-11-27T00:00:01.000Z' },
    });
  });

  it('produces RFC 4122 shaped UUIDs', () => {
    expect(deterministicEventId('a', 'b')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
