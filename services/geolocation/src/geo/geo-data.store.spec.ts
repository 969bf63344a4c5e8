import { copyFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from '@clearance/testing';
import { defaultGeoDataConfig, type GeoDataConfig } from './geo-data.config';
import { GeoDataStore, type GeoLogger } from './geo-data.store';
import { geolocateIp } from './geo-section.builder';

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
      vpnListV4Path: join(dir, 'vpn-ipv4.txt'),
      vpnListV6Path: join(dir, 'vpn-ipv6.txt'),
      datacenterListV4Path: join(dir, 'datacenter-ipv4.txt'),
      datacenterListV6Path: join(dir, 'datacenter-ipv6.txt'),
      networkClassesPath: join(dir, 'network-classes.yaml'),
    };
    copyFileSync(defaultGeoDataConfig().networkClassesPath, config.networkClassesPath);
    writeFileSync(config.vpnListV4Path, '198.51.100.0/24\n');
    writeFileSync(config.vpnListV6Path, '');
    writeFileSync(config.datacenterListV4Path, '198.51.100.0/24\n');
    writeFileSync(config.datacenterListV6Path, '2001:db8::/32\n');
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

  it('reloads the published VPN list when a file is replaced, and names its date and size', async () => {
    sut.watch(50);
    expect(geolocateIp(sut.current, '8.8.8.8').anonymizers.map((a) => a.kind)).toEqual(['hosting']);
    const tmp = `${config.vpnListV4Path}.tmp`;
    writeFileSync(tmp, '# provider feed\n198.51.100.0/24\n8.8.8.0/24\n');
    renameSync(tmp, config.vpnListV4Path);

    await pollUntil(() => geolocateIp(sut.current, '8.8.8.8').anonymizers.some((a) => a.kind === 'vpn'), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    expect(geolocateIp(sut.current, '8.8.8.8').anonymizers).toContainEqual({
      kind: 'vpn',
      source: 'x4bnet-vpn',
      detail: '8.8.8.0/24',
    });
    expect(sut.current.datasets.find((d) => d.name === 'x4bnet-vpn')).toMatchObject({
      version: expect.stringMatching(/^files modified .*; 2 ranges \(2 IPv4, 0 IPv6\)/),
      count: 2,
      source: `${config.vpnListV4Path}, ${config.vpnListV6Path}`,
    });
  });

  it('keeps the published lists in use when a new file is empty or has a bad line', async () => {
    const before = sut.current;
    writeFileSync(config.vpnListV4Path, '');
    await expect(sut.reload('x4bnet-vpn')).resolves.toBe(false);
    writeFileSync(config.datacenterListV4Path, '198.51.100.0/24\n198.51.100.0/33\n');
    await expect(sut.reload('x4bnet-datacenter')).resolves.toBe(false);

    expect(sut.current).toBe(before);
    expect(logger.errors.join('\n')).toMatch(/reload of x4bnet-vpn failed.*has no ranges/);
    expect(logger.errors.join('\n')).toMatch(
      /reload of x4bnet-datacenter failed.*not a CIDR: "198.51.100.0\/33"/,
    );
  });

  it('keeps the network classes in use when the new file breaks its schema, naming the file and line', async () => {
    const before = sut.current;
    writeFileSync(
      config.networkClassesPath,
      "version: '2'\nasns:\n  - { asn: 15169, name: Google, classes: [hostin], source: s }\n",
    );

    await expect(sut.reload('network-classes')).resolves.toBe(false);

    expect(sut.current).toBe(before);
    expect(geolocateIp(sut.current, '8.8.8.8').anonymizers.map((a) => a.kind)).toEqual(['hosting']);
    expect(logger.errors.join('\n')).toContain(
      `reload of network-classes failed, keeping the data in use: ${config.networkClassesPath}:3:`,
    );
    expect(logger.errors.join('\n')).toMatch(/'hostin' is not allowed here.*\(at \/asns\/0\/classes\/0\)/);
  });

  it('does not open (the service stays not ready) while a data file is bad', async () => {
    writeFileSync(config.operatorListsPath!, 'allow: []\ndenny: []\n');

    await expect(GeoDataStore.open(config)).rejects.toThrow(
      `${config.operatorListsPath!}:2:8: unknown property 'denny' (at /denny)`,
    );
  });

  it('refuses to reload a component it does not have', async () => {
    await expect(sut.reload('nope')).rejects.toThrow(/no data component nope/);
  });
});
