import { copyFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Topics,
  type AccessGeolocatedV1,
  type AccessRequestedV1,
  type DeadLetterV1,
} from '@clearance/contracts';
import {
  aRequestedEvent,
  pollUntil,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
  type ServiceProcess,
} from '@clearance/testing';

const SHIPPED_TOR_LIST = join(__dirname, '..', 'data', 'tor-exit-nodes.lst');

function requestFrom(ip: string, forwardedFor?: string[]): AccessRequestedV1 {
  return aRequestedEvent({ request: { network: forwardedFor ? { ip, forwardedFor } : { ip } } });
}

// The real service process against the real broker, with the bundled data and lists of the test's own.
describe('geolocation service', () => {
  const kafka = new TestKafka();
  let svc: ServiceProcess | undefined;
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'geo-int-'));
    copyFileSync(SHIPPED_TOR_LIST, join(dir, 'tor.lst'));
    writeFileSync(
      join(dir, 'operator-lists.yaml'),
      "allow:\n  - label: acme-egress\n    cidrs: ['52.95.110.0/24']\n",
    );
  });

  afterEach(async () => {
    await svc?.stop();
    svc = undefined;
  });

  afterAll(async () => {
    await kafka.disconnect();
  });

  async function start(prefix: string): Promise<ServiceProcess> {
    svc = await spawnService('geolocation', {
      env: {
        KAFKA_TOPIC_PREFIX: prefix,
        GEO_TOR_LIST_PATH: join(dir, 'tor.lst'),
        GEO_OPERATOR_LISTS_PATH: join(dir, 'operator-lists.yaml'),
        GEO_RELOAD_INTERVAL_MS: '200',
        KAFKA_CHUNK_SIZE: '200',
        KAFKA_GROUP_ID: `clearance-geolocation-${prefix}`,
      },
    });
    await svc.waitReady();
    return svc;
  }

  it('enriches requests from the broker and dead-letters an address that does not parse', async () => {
    const prefix = uniqueTopicPrefix('geo');
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessGeolocated, Topics.DeadLetter]);
    const cuba = requestFrom('152.206.0.1');
    const tor = requestFrom('101.99.92.179');
    const behindProxy = requestFrom('52.95.110.1', ['::ffff:62.76.12.1', '10.0.0.7']);
    const bad = requestFrom('8.8.8.8');
    await kafka.produce(prefix, Topics.AccessRequested, [cuba, tor, behindProxy]);
    await kafka.produceRaw(prefix, Topics.AccessRequested, [
      {
        key: bad.requestId,
        value: JSON.stringify({ ...bad, request: { ...bad.request, network: { ip: '300.1.2.3' } } }),
      },
    ]);
    const out = await kafka.collector<AccessGeolocatedV1>(prefix, Topics.AccessGeolocated);
    const dlq = await kafka.collector<DeadLetterV1>(prefix, Topics.DeadLetter);

    await start(prefix);
    await out.waitForCount(3);
    await dlq.waitForCount(1);

    const byId = new Map(out.messages.map((m) => [m.event.requestId, m]));
    expect(byId.get(cuba.requestId)!.event.geo.ip).toMatchObject({
      country: 'CU',
      asn: 27725,
      unroutable: false,
    });
    expect(byId.get(tor.requestId)!.event.geo.ip.anonymizers).toEqual([
      { kind: 'tor', source: 'tor-exit-list', detail: 'snapshot 2024-02-27' },
    ]);
    const proxied = byId.get(behindProxy.requestId)!.event;
    expect(proxied.geo.ip.operatorLists).toEqual([
      { list: 'allow', label: 'acme-egress', cidr: '52.95.110.0/24' },
    ]);
    expect(
      proxied.geo.forwardedFor.map((f) => [f.ip, f.country, f.sanctionedRegion ?? null, f.unroutable]),
    ).toEqual([
      ['62.76.12.1', 'RU', 'crimea', false],
      ['10.0.0.7', 'unknown', null, true],
    ]);
    expect(proxied).toMatchObject({
      producer: 'geolocation',
      causationId: behindProxy.eventId,
      request: behindProxy.request,
    });
    expect(proxied.timestamps.geolocatedAt).toBeDefined();
    expect(proxied.geo.datasets.map((d) => d.name)).toContain('dbip-city-lite');
    expect(byId.get(cuba.requestId)!.key).toBe(cuba.requestId);

    expect(dlq.messages[0]!.event).toMatchObject({ producer: 'geolocation', source: { key: bad.requestId } });
    expect(`${dlq.messages[0]!.event.reason} ${dlq.messages[0]!.event.details.join(' ')}`).toMatch(/ip/i);
    await Promise.all([out.stop(), dlq.stop()]);
  });

  it('swaps the Tor list while messages flow and loses or doubles nothing', async () => {
    const prefix = uniqueTopicPrefix('geo-swap');
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessGeolocated, Topics.DeadLetter]);
    const out = await kafka.collector<AccessGeolocatedV1>(prefix, Topics.AccessGeolocated);
    await start(prefix);

    // 8.8.8.8 is not a Tor exit in the shipped snapshot; the replacement list says it is.
    const waves = 6;
    const perWave = 500;
    const sent: AccessRequestedV1[] = [];
    for (let wave = 0; wave < waves; wave++) {
      const events = Array.from({ length: perWave }, () => requestFrom('8.8.8.8'));
      sent.push(...events);
      await kafka.produce(prefix, Topics.AccessRequested, events);
      if (wave === 2) {
        await pollUntil(() => out.messages.length > 0, { what: 'output before the swap' });
        writeFileSync(join(dir, 'tor.lst.new'), '8.8.8.8\n185.220.101.1\n');
        renameSync(join(dir, 'tor.lst.new'), join(dir, 'tor.lst'));
      }
    }
    await pollUntil(
      async () => {
        const more = requestFrom('8.8.8.8');
        await kafka.produce(prefix, Topics.AccessRequested, [more]);
        sent.push(more);
        const seen = out.messages.filter((m) => m.event.geo.ip.anonymizers.some((a) => a.kind === 'tor'));
        return seen.length > 0;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'an event enriched with the new Tor list' },
    );
    await out.waitFor(
      (m) => new Set(m.map((x) => x.event.requestId)).size === sent.length,
      90_000,
      `all ${sent.length} outputs`,
    );

    const counts = new Map<string, number>();
    for (const m of out.messages) counts.set(m.event.requestId, (counts.get(m.event.requestId) ?? 0) + 1);
    expect(new Set(counts.keys())).toEqual(new Set(sent.map((e) => e.requestId)));
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
    const versions = new Set(
      out.messages.map(
        (m) => m.event.geo.datasets.find((d) => d.name === 'tor-exit-list')!.version.split(';')[0],
      ),
    );
    expect(versions.has('snapshot 2024-02-27')).toBe(true);
    expect([...versions].some((v) => v!.startsWith('file modified'))).toBe(true);
    const metrics = await (await fetch(`${svc!.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^clearance_geo_data_generation [1-9]/m);
    expect(metrics).toMatch(/^clearance_geo_data_failed_reloads 0$/m);
    expect(metrics).toMatch(/clearance_geo_dataset_info\{name="tor-exit-list",version="file modified /);
    await out.stop();
  });
});
