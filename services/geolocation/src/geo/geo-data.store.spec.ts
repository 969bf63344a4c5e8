import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from '@clearance/testing';
import { defaultGeoDataConfig, type GeoDataConfig } from './geo-data.config';
import { GeoDataStore, type GeoLogger } from './geo-data.store';
import { geolocateIp } from './ip.geolocator';

const TOR_A = '101.99.92.179\n2001:0470:0001:0908:0000:0000:0000:9001\n';
const TOR_B = '8.8.8.8\n';

function recordingLogger(): GeoLogger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, log: () => undefined, warn: (m) => errors.push(m), error: (m) => errors.push(m) };
}

describe(GeoDataStore.name, () => {
  let dir: string;
  let config: GeoDataConfig;
  let sut: GeoDataStore;
  let logger: ReturnType<typeof recordingLogger>;

  // Real city databases; small ASN CSVs and lists of our own, so each test can rewrite them.
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'geo-store-'));
    config = {
      ...defaultGeoDataConfig(),
      asnV4CsvPath: join(dir, 'asn-ipv4.csv'),
      asnV6CsvPath: join(dir, 'asn-ipv6.csv'),
      torListPath: join(dir, 'tor.lst'),
      operatorListsPath: join(dir, 'operator-lists.yaml'),
    };
    writeFileSync(config.asnV4CsvPath, '8.8.8.0,8.8.8.255,15169,Google LLC\n');
    writeFileSync(config.asnV6CsvPath, '');
    writeFileSync(config.torListPath, TOR_A);
    writeFileSync(config.operatorListsPath!, 'allow: []\n');
    logger = recordingLogger();
    sut = await GeoDataStore.open(config, logger);
  });

  afterEach(() => sut.close());

  it('swaps in a reloaded list while a snapshot taken before keeps the old one', async () => {
    const before = sut.current;
    writeFileSync(config.torListPath, TOR_B);

    await expect(sut.reload('tor')).resolves.toBe(true);

    expect(sut.current.generation).toBe(before.generation + 1);
    expect(geolocateIp(sut.current, '8.8.8.8').anonymizers.map((a) => a.kind)).toEqual(['tor', 'hosting']);
    expect(geolocateIp(before, '8.8.8.8').anonymizers.map((a) => a.kind)).toEqual(['hosting']);
    expect(geolocateIp(before, '101.99.92.179').anonymizers.map((a) => a.kind)).toEqual(['tor']);
    expect(sut.current.datasets.find((d) => d.name === 'tor-exit-list')!.version).toMatch(
      /^file modified .*; 1 addresses/,
    );
    expect(sut.current.city).toBe(before.city);
  });

  it('keeps the data in use when the new file is empty or malformed', async () => {
    const before = sut.current;
    writeFileSync(config.torListPath, '');
    await expect(sut.reload('tor')).resolves.toBe(false);
    writeFileSync(config.torListPath, '101.99.92.179\nnot an address\n');
    await expect(sut.reload('tor')).resolves.toBe(false);
    writeFileSync(config.operatorListsPath!, 'allow:\n  - label: x\n    cidrs: [1.2.3.4/40]\n');
    await expect(sut.reload('operator-lists')).resolves.toBe(false);

    expect(sut.current).toBe(before);
    expect(sut.failedReloads).toBe(3);
    expect(logger.errors.join('\n')).toMatch(/reload of tor failed.*no addresses/);
  });

  it('notices a file replaced on disk (write + rename) and reloads it without being asked', async () => {
    sut.watch(50);
    const tmp = `${config.operatorListsPath!}.tmp`;
    writeFileSync(tmp, "allow:\n  - label: acme-egress\n    cidrs: ['8.8.8.0/24']\n");
    renameSync(tmp, config.operatorListsPath!);

    await pollUntil(() => geolocateIp(sut.current, '8.8.8.8').operatorLists.length > 0, {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    expect(geolocateIp(sut.current, '8.8.8.8').operatorLists).toEqual([
      { list: 'allow', label: 'acme-egress', cidr: '8.8.8.0/24' },
    ]);
  });

  it('reloads the ASN index from new CSVs', async () => {
    writeFileSync(config.asnV4CsvPath, '8.8.8.0,8.8.8.255,64500,Example Networks\n');
    await expect(sut.reload('asn')).resolves.toBe(true);
    expect(geolocateIp(sut.current, '8.8.8.8')).toMatchObject({
      asn: 64500,
      asOrganization: 'Example Networks',
      anonymizers: [],
    });
  });

  it('refuses to reload a component it does not have', async () => {
    await expect(sut.reload('nope')).rejects.toThrow(/no data component nope/);
  });
});
