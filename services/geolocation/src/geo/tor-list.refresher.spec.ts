import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultGeoDataConfig } from './geo-data.config';
import { GeoDataStore, type GeoLogger } from './geo-data.store';
import { geolocateIp } from './geo-section.builder';
import { TorListRefresher } from './tor-list.refresher';

const quiet: GeoLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe(TorListRefresher.name, () => {
  let server: Server;
  let reply: { status: number; body: string };
  let url: string;
  let torPath: string;
  let store: GeoDataStore;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(reply.status, { 'content-type': 'text/plain' });
      res.end(reply.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/torbulkexitlist`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'geo-tor-'));
    torPath = join(dir, 'tor.lst');
    writeFileSync(torPath, '101.99.92.179\n');
    writeFileSync(join(dir, 'asn-ipv4.csv'), '');
    writeFileSync(join(dir, 'asn-ipv6.csv'), '');
    store = await GeoDataStore.open(
      {
        ...defaultGeoDataConfig(),
        torListPath: torPath,
        asnV4CsvPath: join(dir, 'asn-ipv4.csv'),
        asnV6CsvPath: join(dir, 'asn-ipv6.csv'),
      },
      quiet,
    );
  });

  afterEach(() => store.close());

  function refresher(): TorListRefresher {
    return new TorListRefresher(
      store,
      { url, path: torPath, intervalMs: 3_600_000, timeoutMs: 5_000 },
      quiet,
    );
  }

  it('downloads a new list, writes it over the file and uses it', async () => {
    reply = { status: 200, body: '185.220.101.1\n2a0b:f4c2::1\n' };
    const sut = refresher();

    await expect(sut.refresh()).resolves.toBe(true);

    expect(readFileSync(torPath, 'utf8')).toBe(reply.body);
    expect(geolocateIp(store.current, '185.220.101.1').anonymizers[0]).toMatchObject({ kind: 'tor' });
    expect(geolocateIp(store.current, '101.99.92.179').anonymizers).toEqual([]);
  });

  it.each([
    ['an error status', { status: 503, body: 'busy' }],
    ['an empty list', { status: 200, body: '\n' }],
    ['a page that is not a list', { status: 200, body: '<html>captive portal</html>' }],
  ])('keeps the file and the list in use on %s', async (_what, answer) => {
    reply = answer;
    const before = store.current;

    await expect(refresher().refresh()).resolves.toBe(false);

    expect(readFileSync(torPath, 'utf8')).toBe('101.99.92.179\n');
    expect(store.current).toBe(before);
  });

  it('keeps the list in use when nothing answers', async () => {
    const sut = new TorListRefresher(
      store,
      { url: 'http://127.0.0.1:9/none', path: torPath, intervalMs: 3_600_000, timeoutMs: 2_000 },
      quiet,
    );
    await expect(sut.refresh()).resolves.toBe(false);
    expect(geolocateIp(store.current, '101.99.92.179').anonymizers[0]).toMatchObject({ kind: 'tor' });
  });
});
