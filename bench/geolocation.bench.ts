/**
 * Geolocation enrichment in process, on one core: enrichments per second next to a raw `maxmind` lookup on the
 * same DB-IP city database (same run, same addresses), per-call latency, start-up time with all data loaded,
 * and RSS. Run: node -r @swc-node/register bench/geolocation.bench.ts [--n 1000000] [--seconds 3]
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { deriveEnvelope, type AccessRequestedV1 } from '@clearance/contracts';
import maxmind, { type CityResponse, type Reader } from 'maxmind';
import { defaultGeoDataConfig } from '../services/geolocation/src/geo/geo-data.config';
import { GeoDataStore } from '../services/geolocation/src/geo/geo-data.store';
import { formatIPv4, parseIPv4 } from '../services/geolocation/src/geo/ip.address';
import { geoSection } from '../services/geolocation/src/geo/geo-section.builder';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const N = arg('n', 5_000_000);
const SECONDS = arg('seconds', 3);
const POOL = 100_000;

/** Deterministic PRNG so every run sees the same traffic. */
let seed = 42;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

/**
 * Traffic mix, per 100 addresses: 78 IPv4 and 15 IPv6 drawn from allocated ranges of the ASN data (so most hit a
 * database), 3 Tor exits, 2 private (RFC 1918), 2 IPv4-mapped IPv6.
 */
function addressPool(config = defaultGeoDataConfig()): string[] {
  const v4Rows = readFileSync(config.asnV4CsvPath, 'utf8').split('\n').filter(Boolean);
  const v6Rows = readFileSync(config.asnV6CsvPath, 'utf8').split('\n').filter(Boolean);
  const tor = readFileSync(config.torListPath, 'utf8').split('\n').filter(Boolean);
  const v4 = (): string => {
    const [s, e] = v4Rows[Math.floor(rand() * v4Rows.length)]!.split(',');
    const a = parseIPv4(s!);
    const b = parseIPv4(e!);
    return formatIPv4(a + Math.floor(rand() * (b - a + 1)));
  };
  const v6 = (): string => {
    const start = v6Rows[Math.floor(rand() * v6Rows.length)]!.split(',')[0]!;
    const head = start.replace(/::$/, '').split(':').slice(0, 4);
    while (head.length < 4) head.push('0');
    return `${head.join(':')}:${Math.floor(rand() * 0xffff).toString(16)}::${Math.floor(rand() * 0xffff).toString(16)}`;
  };
  const pool: string[] = [];
  for (let i = 0; i < POOL; i++) {
    const r = rand() * 100;
    if (r < 78) pool.push(v4());
    else if (r < 93) pool.push(v6());
    else if (r < 96) pool.push(tor[Math.floor(rand() * tor.length)]!);
    else if (r < 98) pool.push(`192.168.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`);
    else pool.push(`::ffff:${v4()}`);
  }
  return pool;
}

function rate(label: string, fn: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < 200_000; i++) if (fn(i)) sink++; // warm-up: JIT and caches
  let done = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const deadline = started + SECONDS * 1000;
  while (performance.now() < deadline && done < N) {
    for (let i = 0; i < 10_000; i++) if (fn(done + i)) sink++;
    done += 10_000;
  }
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  // Per CPU second of this process: on a shared machine wall time also counts other processes' turns.
  const perCpuSec = done / ((used.user + used.system) / 1e6);
  console.log(
    `${label.padEnd(44)} ${Math.round(perCpuSec).toLocaleString('en-US').padStart(12)} /s per CPU-second` +
      `   (${Math.round(done / wall).toLocaleString('en-US')} /s wall, ${sink > 0 ? 'ok' : '-'})`,
  );
  return perCpuSec;
}

function latency(label: string, fn: (i: number) => unknown, calls = 200_000): { p50: number; p99: number } {
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  samples.sort();
  const p = (q: number): number => samples[Math.min(calls - 1, Math.floor(q * calls))]!;
  console.log(
    `${label.padEnd(44)} p50 ${p(0.5).toFixed(2)} µs   p99 ${p(0.99).toFixed(2)} µs   max ${p(1).toFixed(0)} µs`,
  );
  return { p50: p(0.5), p99: p(0.99) };
}

async function main(): Promise<void> {
  const config = defaultGeoDataConfig();
  // Warm: read each file once so the page cache holds it, as on a restarted service.
  for (const f of [config.dbipCityV4Path, config.dbipCityV6Path, config.asnV4CsvPath, config.asnV6CsvPath])
    readFileSync(f);

  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const store = await GeoDataStore.open(config);
  const startupMs = performance.now() - t0;
  const startupCpu = process.cpuUsage(cpu0);
  const startupCpuMs = (startupCpu.user + startupCpu.system) / 1000;
  const rssLoaded = process.memoryUsage().rss;
  const snapshot = store.current;

  const pool = addressPool(config);
  const raw4: Reader<CityResponse> = await maxmind.open<CityResponse>(config.dbipCityV4Path);
  const raw6: Reader<CityResponse> = await maxmind.open<CityResponse>(config.dbipCityV6Path);
  const rawText = pool.map((ip) => (ip.startsWith('::ffff:') ? ip.slice(7) : ip));
  const rawReader = rawText.map((ip) => (ip.includes(':') ? raw6 : raw4));

  // Events: 70 % with no forwarded-for, 30 % with one hop (a CDN or corporate proxy in front of the client).
  const events: AccessRequestedV1[] = pool.map((ip, i) => ({
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    requestId: `req-${i}`,
    time: '2026-11-27T00:00:00.000Z',
    producer: 'ingest',
    timestamps: { requestedAt: '2026-11-27T00:00:00.000Z' },
    request: {
      requestId: `req-${i}`,
      subject: { userId: 'u' },
      network: rand() < 0.3 ? { ip, forwardedFor: [pool[(i * 7919) % POOL]!] } : { ip },
      resource: { model: 'frontier-1', action: 'inference' },
      occurredAt: '2026-11-27T00:00:00.000Z',
      client: 'bench',
    },
  }));
  const at = '2026-11-27T00:00:01.000Z';
  const now = new Date(at);

  console.log(
    `geolocation bench: ${POOL.toLocaleString('en-US')} distinct addresses, node ${process.version}`,
  );
  console.log(
    `start-up with all data loaded (warm): ${Math.round(startupMs)} ms wall, ${Math.round(startupCpuMs)} ms CPU; ` +
      `RSS after load ${Math.round(rssLoaded / 2 ** 20)} MiB`,
  );
  console.log(`datasets: ${snapshot.datasets.map((d) => d.name).join(', ')}`);

  const raw = rate('raw maxmind get() (DB-IP city, same addresses)', (i) =>
    rawReader[i % POOL]!.get(rawText[i % POOL]!),
  );
  const lookups = rate('geo section (all lookups, all lists)', (i) => {
    const e = events[i % POOL]!;
    return geoSection(snapshot, e.request.network.ip, e.request.network.forwardedFor, at);
  });
  const enrich = rate('event enrichment (envelope + geo section)', (i) => {
    const e = events[i % POOL]!;
    const env = deriveEnvelope(e, 'geolocation', 'geolocatedAt', now);
    return {
      ...e,
      ...env,
      geo: geoSection(snapshot, e.request.network.ip, e.request.network.forwardedFor, env.time),
    };
  });
  latency('raw maxmind get() latency', (i) => rawReader[i % POOL]!.get(rawText[i % POOL]!));
  const lat = latency('geo section latency', (i) => {
    const e = events[i % POOL]!;
    return geoSection(snapshot, e.request.network.ip, e.request.network.forwardedFor, at);
  });
  const rssEnd = process.memoryUsage().rss;
  console.log(`RSS at end (both raw readers loaded too): ${Math.round(rssEnd / 2 ** 20)} MiB`);

  const perEvent =
    events.reduce((n, e) => n + 1 + (e.request.network.forwardedFor?.length ?? 0), 0) / events.length;
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  console.log('--- goals (issue 5)');
  console.log(
    `${verdict(lookups >= 200_000)} geo section ≥ 200,000/s on one core: ${Math.round(lookups).toLocaleString('en-US')}/s`,
  );
  console.log(
    `${verdict(lookups >= raw * 0.5)} geo section ≥ 50 % of raw maxmind rate: ${((lookups / raw) * 100).toFixed(0)} %`,
  );
  console.log(
    `     full event enrichment (with deterministic event id): ${Math.round(enrich).toLocaleString('en-US')}/s, ${((enrich / raw) * 100).toFixed(0)} % of raw`,
  );
  console.log(
    `${verdict(startupMs <= 5000)} start-up with data ≤ 5 s warm: ${(startupMs / 1000).toFixed(2)} s`,
  );
  console.log(
    `${verdict(rssLoaded <= 600 * 2 ** 20)} RSS ≤ 600 MB with data loaded: ${Math.round(rssLoaded / 2 ** 20)} MiB`,
  );
  console.log(
    `     addresses per event ${perEvent.toFixed(2)}: ${Math.round(lookups * perEvent).toLocaleString('en-US')} addresses/s, ` +
      `${((lookups * perEvent * 100) / raw).toFixed(0)} % of the raw lookup rate per address`,
  );
  console.log(`p50 ${lat.p50.toFixed(2)} µs, p99 ${lat.p99.toFixed(2)} µs per geo section`);
  store.close();
}

void main();
