import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveEnvelope, GeoSectionV1, Topics, validateEvent } from '@clearance/contracts';
import { aRequestedEvent } from '@clearance/testing';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { defaultGeoDataConfig } from './geo-data.config';
import { GeoDataStore } from './geo-data.store';
import type { GeoSnapshot } from './geo.snapshot';
import { InvalidIpAddressError } from './ip.address';
import { geoSection, geolocateIp } from './geo-section.builder';

// Every address below was looked up in the bundled data (DB-IP Lite 2026-06, @ip-location-db/asn 2.3.2026061719,
// Tor exit snapshot 2024-02-27); the expectations are what that data says, not what we would like it to say.
let store: GeoDataStore;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geo-spec-'));
  const operatorLists = join(dir, 'operator-lists.yaml');
  writeFileSync(
    operatorLists,
    [
      'allow:',
      '  - label: acme-egress',
      "    cidrs: ['52.95.110.0/24', '2a05:d018:1::/48']",
      'deny:',
      '  - label: abuse',
      "    cidrs: ['73.15.20.1']",
    ].join('\n'),
  );
  store = await GeoDataStore.open({ ...defaultGeoDataConfig(), operatorListsPath: operatorLists });
});

afterAll(() => store.close());

describe(geolocateIp.name, () => {
  let sut: GeoSnapshot;

  beforeAll(() => {
    sut = store.current;
  });

  it('places a US residential address (Comcast) with no anonymizer', () => {
    expect(geolocateIp(sut, '71.192.0.1')).toEqual({
      ip: '71.192.0.1',
      version: 4,
      country: 'US',
      subdivision: 'Massachusetts',
      city: 'Maynard',
      asn: 7922,
      asOrganization: 'Comcast Cable Communications, LLC',
      unroutable: false,
      anonymizers: [],
      operatorLists: [],
    });
  });

  it('flags a Google address as hosting, naming the ASN', () => {
    const geo = geolocateIp(sut, '8.8.8.8');
    expect(geo).toMatchObject({ country: 'US', asn: 15169, asOrganization: 'Google LLC', unroutable: false });
    expect(geo.anonymizers).toEqual([
      { kind: 'hosting', source: 'hosting-asn', detail: 'AS15169 Google' },
      { kind: 'hosting', source: 'x4bnet-datacenter', detail: '8.8.8.0/24' },
    ]);
  });

  it('flags an AWS address as hosting and reports the operator allow list it is on', () => {
    const geo = geolocateIp(sut, '52.95.110.1');
    expect(geo).toMatchObject({ country: 'US', subdivision: 'New York', asn: 16509 });
    expect(geo.anonymizers).toEqual([
      { kind: 'hosting', source: 'hosting-asn', detail: 'AS16509 Amazon Web Services' },
      { kind: 'hosting', source: 'x4bnet-datacenter', detail: '52.95.104.0/21' },
    ]);
    expect(geo.operatorLists).toEqual([{ list: 'allow', label: 'acme-egress', cidr: '52.95.110.0/24' }]);
  });

  it('reports a deny list entry', () => {
    expect(geolocateIp(sut, '73.15.20.1').operatorLists).toEqual([
      { list: 'deny', label: 'abuse', cidr: '73.15.20.1/32' },
    ]);
  });

  it.each([
    ['152.206.0.1', 'CU', 27725, 'Empresa de Telecomunicaciones de Cuba, S.A.'],
    ['5.160.0.1', 'IR', 42337, 'Respina Networks & Beyond PJSC'],
    ['2.176.0.1', 'IR', 12880, 'Information Technology Company (ITC)'],
    ['175.45.176.1', 'KP', 131279, 'Star Joint Venture Co. Ltd.'],
  ])('places %s in %s (AS%s)', (ip, country, asn, org) => {
    expect(geolocateIp(sut, ip)).toMatchObject({
      country,
      asn,
      asOrganization: org,
      sanctionedRegion: undefined,
    });
  });

  it('finds Crimea although DB-IP files it under RU', () => {
    expect(geolocateIp(sut, '62.76.12.1')).toMatchObject({
      country: 'RU',
      subdivision: 'Crimea',
      city: 'Simferopol',
      sanctionedRegion: 'crimea',
      sanctionedRegionSource: 'dbip-city-lite:subdivision',
    });
  });

  it('counts Sevastopol as Crimea', () => {
    expect(geolocateIp(sut, '138.226.238.1')).toMatchObject({
      country: 'RU',
      subdivision: 'Sebastopol City',
      sanctionedRegion: 'crimea',
    });
  });

  it('finds Donetsk and Luhansk by subdivision', () => {
    expect(geolocateIp(sut, '31.40.156.1')).toMatchObject({
      country: 'UA',
      subdivision: 'Donetsk',
      sanctionedRegion: 'donetsk',
    });
    expect(geolocateIp(sut, '178.54.131.254')).toMatchObject({
      country: 'UA',
      subdivision: 'Luhansk',
      sanctionedRegion: 'luhansk',
    });
  });

  it('finds Donetsk by its operator where DB-IP files the range under the Russian town of Donetsk (Rostov)', () => {
    expect(geolocateIp(sut, '31.133.48.1')).toMatchObject({
      country: 'RU',
      subdivision: 'Rostov',
      city: 'Donetsk',
      asn: 202279,
      sanctionedRegion: 'donetsk',
      sanctionedRegionSource: 'network-classes:region-operator AS202279',
    });
  });

  it('flags Tor exits from the list, IPv4 and IPv6 (written in full in the list)', () => {
    const tor = { kind: 'tor', source: 'tor-exit-list', detail: 'snapshot 2024-02-27' };
    expect(geolocateIp(sut, '101.99.92.179')).toMatchObject({ country: 'MY', anonymizers: [tor] });
    // Hurricane Electric's tunnel broker range is on the datacenter list too
    expect(geolocateIp(sut, '2001:470:1:908::9001')).toMatchObject({
      version: 6,
      asn: 6939,
      anonymizers: [tor, { kind: 'hosting', source: 'x4bnet-datacenter', detail: '2001:470::/43' }],
    });
  });

  // Addresses inside the shipped X4BNet lists that no ASN class names: only the list catches them.
  it.each([
    ['2.27.224.1', 'US', 20326, '2.27.224.0/22'], // TeraSwitch, Newark
    ['23.144.160.67', 'US', 32727, '23.144.160.67/32'], // a single VPN server address
    ['2606:1000::1', 'US', 20448, '2606:1000::/32'], // Peace Communications, Chattanooga
    ['2a0c:8a41:2000::1', 'US', 199967, '2a0c:8a41:2000::/35'], // Think Huge, Texas
  ])('flags %s (%s, AS%s) as a VPN from the published list', (ip, country, asn, cidr) => {
    const geo = geolocateIp(sut, ip);
    expect(geo).toMatchObject({ country, asn });
    expect(geo.anonymizers).toContainEqual({ kind: 'vpn', source: 'x4bnet-vpn', detail: cidr });
  });

  it.each([
    ['172.225.46.1', 36183],
    ['140.248.4.1', 54113],
    ['104.28.33.1', 13335],
  ])('calls a VPN-list range of a relay operator (%s, AS%s) a relay, not a VPN', (ip, asn) => {
    const geo = geolocateIp(sut, ip);
    expect(geo.asn).toBe(asn);
    expect(geo.anonymizers.map((a) => a.kind)).toContain('relay');
    expect(geo.anonymizers.map((a) => a.kind)).not.toContain('vpn');
  });

  it('keeps Cloudflare outside the relay blocks a plain hosting network', () => {
    expect(geolocateIp(sut, '104.16.0.1').anonymizers).toEqual([
      { kind: 'hosting', source: 'hosting-asn', detail: 'AS13335 Cloudflare' },
    ]);
  });

  it('flags a datacenter address that no ASN class names as hosting', () => {
    const geo = geolocateIp(sut, '2.27.224.1');
    expect(geo.anonymizers).toContainEqual({
      kind: 'hosting',
      source: 'x4bnet-datacenter',
      detail: '2.27.224.0/22',
    });
  });

  it.each([
    ['10.1.2.3', 'private'],
    ['192.168.1.1', 'private'],
    ['172.16.0.1', 'private'],
    ['100.64.1.1', 'carrierGradeNat'],
    ['192.0.2.10', 'documentation'],
    ['fe80::1', 'linkLocal'],
  ])('marks %s unroutable (%s) with an explicit unknown country', (ip, range) => {
    expect(geolocateIp(sut, ip)).toMatchObject({
      country: 'unknown',
      unroutable: true,
      range,
      anonymizers: [],
    });
  });

  it('places IPv6 addresses', () => {
    expect(geolocateIp(sut, '2601::1')).toMatchObject({
      ip: '2601::1',
      version: 6,
      country: 'US',
      subdivision: 'Colorado',
      asn: 7922,
      anonymizers: [],
    });
    expect(geolocateIp(sut, '2a05:d018:1::1')).toMatchObject({
      country: 'IE',
      asn: 16509,
      operatorLists: [{ list: 'allow', label: 'acme-egress', cidr: '2a05:d018:1::/48' }],
    });
  });

  it('normalises IPv4-mapped IPv6 to IPv4 before any lookup', () => {
    expect(geolocateIp(sut, '::ffff:152.206.0.1')).toMatchObject({
      ip: '152.206.0.1',
      version: 4,
      country: 'CU',
      asn: 27725,
    });
  });

  // 175.45.176.1 (KP) is af2d:b001; its Teredo form inverts it (50d2:4ffe) behind a real Teredo server
  // (65.54.227.120, 4136:e378); 71.192.0.1 (Comcast, US) is 47c0:0001.
  it.each([
    ['6to4', '2002:af2d:b001::1'],
    ['6to4 with a host part', '2002:af2d:b001:1234:5678::abcd'],
    ['teredo', '2001:0:4136:e378:8000:63bf:50d2:4ffe'],
    ['nat64', '64:ff9b::175.45.176.1'],
    ['nat64', '64:ff9b:1::af2d:b001'],
    ['ipv4-compatible', '::175.45.176.1'],
  ])('places %s %s where its embedded IPv4 address is (KP), not where the IPv6 prefix is', (kind, ip) => {
    const geo = geolocateIp(sut, ip);
    expect(geo).toMatchObject({
      ip: ip.includes('.') ? expect.any(String) : ip,
      version: 6,
      country: 'KP',
      unroutable: false,
      embeddedIpv4: { kind: kind.split(' ')[0], ip: '175.45.176.1', trusted: true },
    });
    expect(geo.asn).toBe(geolocateIp(sut, '175.45.176.1').asn);
  });

  it('gives a 6to4 address the city, network and signals of its IPv4 address', () => {
    const home = geolocateIp(sut, '71.192.0.1');
    expect(geolocateIp(sut, '2002:47c0:1::1')).toEqual({
      ...home,
      ip: '2002:47c0:1::1',
      version: 6,
      embeddedIpv4: { kind: '6to4', ip: '71.192.0.1', trusted: true },
    });
    expect(geolocateIp(sut, '2002:808:808::1').anonymizers.map((a) => a.kind)).toContain('hosting'); // 8.8.8.8
  });

  it.each([
    ['6to4 of a private address', '2002:a00:1::1', '10.0.0.1'],
    ['6to4 of the 6to4 relay anycast', '2002:c058:6301::1', '192.88.99.1'],
    ['teredo with a private server', '2001:0:a00:1:8000:63bf:50d2:4ffe', '175.45.176.1'],
    ['teredo of a private client', '2001:0:4136:e378:8000:63bf:f5ff:fffe', '10.0.0.1'],
    ['nat64 of a loopback address', '64:ff9b::127.0.0.1', '127.0.0.1'],
  ])('fails closed on %s: country unknown, never the prefix country', (_name, ip, embedded) => {
    expect(geolocateIp(sut, ip)).toMatchObject({
      country: 'unknown',
      subdivision: undefined,
      asn: undefined,
      unroutable: false,
      embeddedIpv4: { ip: embedded, trusted: false },
    });
  });

  it('fails closed on a NAT64 local-use address whose prefix length cannot be known', () => {
    expect(geolocateIp(sut, '64:ff9b:1:af2d:b0:100::')).toMatchObject({
      country: 'unknown',
      embeddedIpv4: { kind: 'nat64', ip: undefined, trusted: false },
    });
  });

  it('checks the lists of the IPv6 address itself too', () => {
    // a Tor exit written in the list as IPv6 would not hide behind the IPv4 it carries: here a listed IPv4
    // exit (103.196.37.111 = 67c4:256f) carried in 6to4 raises the IPv4 address's Tor signal
    expect(geolocateIp(sut, '2002:67c4:256f::1').anonymizers.map((a) => a.kind)).toContain('tor');
  });

  it('says unknown, not nothing, for a public address no database places', () => {
    expect(geolocateIp(sut, '3ffe::1')).toMatchObject({
      country: 'unknown',
      unroutable: false,
      asn: undefined,
    });
  });

  it('throws InvalidIpAddressError for text that is not an address', () => {
    expect(() => geolocateIp(sut, '999.1.1.1')).toThrow(InvalidIpAddressError);
    expect(() => geolocateIp(sut, 'not-an-ip')).toThrow(InvalidIpAddressError);
  });
});

describe(geoSection.name, () => {
  it('covers the address and every forwarded-for hop, with provenance, and passes the contract', () => {
    const sut = geoSection(
      store.current,
      '8.8.8.8',
      ['10.0.0.1', '::ffff:175.45.176.1'],
      '2026-11-27T00:00:00.000Z',
    );
    expect(sut.status).toBe('ok');
    expect(sut.forwardedFor.map((f) => f.country)).toEqual(['unknown', 'KP']);
    expect(sut.datasets.map((d) => d.name)).toEqual([
      'dbip-city-lite',
      'ip-location-db-asn',
      'tor-exit-list',
      'network-classes',
      'x4bnet-vpn',
      'x4bnet-datacenter',
      'vpn-ranges',
      'proxy-ranges',
      'operator-lists',
    ]);
    expect(sut.datasets[0]!.version).toMatch(
      /^city ipv4 build 2026-06-05T13:42:02Z; @ip-location-db\/dbip-city-mmdb@2\.3\.2026060513; city ipv6 build/,
    );
    expect(sut.datasets[2]!.version).toMatch(/^snapshot 2024-02-27; 1746 addresses; sha256 964f4014/);
    expect(sut.datasets[4]).toEqual({
      name: 'x4bnet-vpn',
      version: expect.stringMatching(
        /^snapshot 2026-08-22; 11360 ranges \(10862 IPv4, 498 IPv6\); ipv4 sha256 d9c1/,
      ),
      date: '2026-08-22',
      source: 'https://github.com/X4BNet/lists_vpn (MIT, (c) 2024 X4B)',
      count: 11360,
    });
    expect(sut.datasets[5]).toMatchObject({ name: 'x4bnet-datacenter', date: '2026-08-22', count: 51318 });
    const errors = validateSync(plainToInstance(GeoSectionV1, JSON.parse(JSON.stringify(sut))));
    expect(errors).toEqual([]);
  });

  it('fails the whole section when one forwarded-for hop does not parse', () => {
    expect(() => geoSection(store.current, '8.8.8.8', ['1.2.3'], '2026-11-27T00:00:00.000Z')).toThrow(
      InvalidIpAddressError,
    );
  });

  it('makes an access.geolocated.v1 event the topic validator accepts', () => {
    const input = aRequestedEvent({ request: { network: { ip: '2601::1', forwardedFor: ['62.76.12.1'] } } });
    const envelope = deriveEnvelope(input, 'geolocation', 'geolocatedAt');
    const event = {
      ...input,
      ...envelope,
      geo: geoSection(store.current, '2601::1', ['62.76.12.1'], envelope.time),
    };
    const result = validateEvent(Topics.AccessGeolocated, JSON.parse(JSON.stringify(event)));
    expect(result.ok).toBe(true);
  });
});
