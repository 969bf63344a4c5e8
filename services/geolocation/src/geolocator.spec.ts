import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicEventId } from '@clearance/contracts';
import { TransientError } from '@clearance/kafka';
import { validateEnv } from '@clearance/platform';
import { aRequestedEvent } from '@clearance/testing';
import { GeoDataProvider } from './geo-data.provider';
import { InvalidIpAddressError } from './geo/ip.address';
import { GeolocationEnv } from './geolocation.env';
import { Geolocator } from './geolocator';

describe(Geolocator.name, () => {
  let data: GeoDataProvider;
  let sut: Geolocator;

  // The real provider on the bundled city data, with a one-line ASN table so the spec loads fast.
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'geolocator-'));
    writeFileSync(
      join(dir, 'asn-ipv4.csv'),
      '152.206.0.0,152.206.255.255,27725,"Empresa de Telecomunicaciones de Cuba, S.A."\n',
    );
    writeFileSync(join(dir, 'asn-ipv6.csv'), '');
    const env = validateEnv(GeolocationEnv, {
      KAFKA_BROKERS: '127.0.0.1:9',
      GEO_ASN_V4_CSV_PATH: join(dir, 'asn-ipv4.csv'),
      GEO_ASN_V6_CSV_PATH: join(dir, 'asn-ipv6.csv'),
    });
    data = new GeoDataProvider(env);
    sut = new Geolocator(data);
  });

  afterAll(() => data.onApplicationShutdown());

  it('asks for a retry, not a dead letter, while the data is still loading', async () => {
    expect(() => sut.enrich(aRequestedEvent())).toThrow(TransientError);
    await expect(data.check()).rejects.toThrow(/not loaded/);
    await data.onModuleInit();
    await expect(data.check()).resolves.toBeUndefined();
  });

  it('copies the request and adds the geo section under a deterministic envelope', () => {
    const input = aRequestedEvent({ request: { network: { ip: '152.206.0.1' } } });
    const now = new Date('2026-11-27T01:02:03.000Z');

    const out = sut.enrich(input, now);

    expect(out).toMatchObject({
      eventId: deterministicEventId(input.eventId, 'geolocation'),
      requestId: input.requestId,
      producer: 'geolocation',
      causationId: input.eventId,
      request: input.request,
      timestamps: { requestedAt: input.timestamps.requestedAt, geolocatedAt: now.toISOString() },
    });
    expect(out.geo).toMatchObject({ status: 'ok', evaluatedAt: now.toISOString(), forwardedFor: [] });
    expect(out.geo.ip).toMatchObject({ ip: '152.206.0.1', country: 'CU', asn: 27725 });
    expect(sut.enrich(input, now).eventId).toBe(out.eventId);
  });

  it('throws a non-transient error for an address that does not parse, so the message is dead-lettered', () => {
    const input = aRequestedEvent({
      request: { network: { ip: '152.206.0.1', forwardedFor: ['not-an-address'] } },
    });
    let thrown: unknown;
    try {
      sut.enrich(input);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidIpAddressError);
    expect(thrown).not.toBeInstanceOf(TransientError);
  });
});
