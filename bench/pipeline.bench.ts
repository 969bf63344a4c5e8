/**
 * The whole pipeline over HTTP on this machine: five services as separate processes, requests to ingest at fixed
 * rates and at saturation, every accepted request followed to its decision on access.decided.v1 and into the
 * audit store; next to a raw kafkajs produce → consume hop measured in the same run.
 *   npm run bench            (= node -r @swc-node/register bench/pipeline.bench.ts)
 * Options (docs/performance.md, "Whole pipeline"):
 *   --rates=250,500,1000      fixed-rate phases, requests/s, single requests over max(32, rate) connections
 *   --seconds=10              length of each fixed-rate phase
 *   --saturation-seconds=10   length of the closed-loop phase (batches of 100 over 4 connections); 0 skips it
 *   --without-audit           the four decision stages only
 *   --exactly-once            every stage in KAFKA_EXACTLY_ONCE mode
 *   --audit-samples=40        decided requests per phase whose audit record is polled for (auditLagMs)
 *   --profile                 V8 CPU profiles of every service into bench/results/profiles/<time>/
 *   --raw-messages=20000      backlog of the raw kafkajs hop measured after the services stopped
 *   --registered=100000       users and as many organisations in the verification registry before the start
 *   --registry-cache=off      verification reads the registry per request (REGISTRY_CACHE_REFRESH_MS=0)
 *   --node-options=none       the services' node options: `production` (default: NODE_OPTIONS of each service's
 *                             workload in deploy/k8s, e.g. its heap cap) or `none` (V8's defaults)
 *   --max-old-space=ingest:160,audit:160
 *                             V8's old-generation limit (MiB, `--max-old-space-size`) per service, instead of the
 *                             one --node-options gives
 *   --max-semi-space=ingest:4  V8's young-generation semi-space (MiB, `--max-semi-space-size`) per service
 *   --service-env=audit:KAFKA_PARTITIONS_CONCURRENTLY=6,ingest:INGEST_UNDECODED_DECISIONS_MIB=16
 *                             extra environment per service (e.g. a bound on the work it holds in flight)
 *   --name=pipeline-x         result file bench/results/<name>.json (default pipeline[-without-audit][-exactly-once])
 *   --runtime=swc             the services' TypeScript through @swc-node/register (development) instead of the
 *                             compiled JavaScript the production image runs (default `compiled`: npm run build)
 */
import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AccessDecidedV1, StageName } from '@clearance/contracts';
import { Topics } from '@clearance/contracts';
import {
  type Collector,
  pollUntil,
  type ServiceProcess,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
} from '@clearance/testing';
import {
  cpuMs,
  ensureInfra,
  infraPids,
  loadAverage,
  machine,
  ROOT,
  rssMiB,
  seedRegistry,
  summarize,
  writeResult,
} from './bench.support';
import { buildCompiled } from './compiled.support';
import { measure, rawStage } from './hop.support';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  statusCodeStats: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
}
// autocannon ships no type declarations
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const arg = (name: string, fallback: string) =>
  new RegExp(`--${name}=([^\\s]+)`).exec(process.argv.join(' '))?.[1] ?? fallback;
const RATES = arg('rates', '250,500,1000').split(',').filter(Boolean).map(Number);
const SECONDS = Number(arg('seconds', '10'));
const SATURATION_SECONDS = Number(arg('saturation-seconds', '10'));
const AUDIT_SAMPLES = Number(arg('audit-samples', '40'));
const RAW_MESSAGES = Number(arg('raw-messages', '20000'));
const BATCH = 100;
const WITH_AUDIT = !process.argv.includes('--without-audit');
const EXACTLY_ONCE = process.argv.includes('--exactly-once');
const PROFILE = process.argv.includes('--profile');
const REGISTERED = Number(arg('registered', '100000'));
const REGISTRY_CACHE = arg('registry-cache', 'on') !== 'off';
const RUNTIME = arg('runtime', 'compiled');
const perService = (option: string) =>
  new Map(
    arg(option, '')
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const [service, mib] = pair.split(':');
        if (!service || !/^\d+$/.test(mib ?? ''))
          throw new Error(`--${option}: ${pair} is not <service>:<MiB>`);
        return [service, Number(mib)] as const;
      }),
  );
const MAX_OLD_SPACE = perService('max-old-space');
const MAX_SEMI_SPACE = perService('max-semi-space');
const NODE_OPTIONS = arg('node-options', 'production');
if (NODE_OPTIONS !== 'production' && NODE_OPTIONS !== 'none')
  throw new Error(`--node-options=${NODE_OPTIONS}: production or none`);

/** NODE_OPTIONS of the service's container in deploy/k8s/<service>.yaml, as node arguments (none if unset). */
function productionNodeOptions(service: StageName): string[] {
  for (const doc of parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'k8s', `${service}.yaml`), 'utf8'))) {
    const workload = doc.toJS() as {
      spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
    } | null;
    for (const c of workload?.spec?.template?.spec?.containers ?? []) {
      const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
      if (env.get('SERVICE') === service) return (env.get('NODE_OPTIONS') ?? '').split(/\s+/).filter(Boolean);
    }
  }
  throw new Error(`deploy/k8s/${service}.yaml: no container with SERVICE=${service}`);
}

/** The node options a service runs with in this run: --node-options, then --max-old-space / --max-semi-space. */
function nodeOptionsOf(service: StageName): string[] {
  const base = NODE_OPTIONS === 'production' ? productionNodeOptions(service) : [];
  const set = (flags: string[], name: string, mib: number | undefined) =>
    mib === undefined ? flags : [...flags.filter((f) => !f.startsWith(`--${name}=`)), `--${name}=${mib}`];
  return set(
    set(base, 'max-old-space-size', MAX_OLD_SPACE.get(service)),
    'max-semi-space-size',
    MAX_SEMI_SPACE.get(service),
  );
}
const SERVICE_ENV = new Map<string, Record<string, string>>();
for (const item of arg('service-env', '').split(',').filter(Boolean)) {
  const m = /^([a-z]+):([A-Z0-9_]+)=(.*)$/.exec(item);
  if (!m) throw new Error(`--service-env: ${item} is not <service>:<NAME>=<value>`);
  SERVICE_ENV.set(m[1]!, { ...SERVICE_ENV.get(m[1]!), [m[2]!]: m[3]! });
}
if (RUNTIME !== 'compiled' && RUNTIME !== 'swc') throw new Error(`--runtime=${RUNTIME}: compiled or swc`);

const API_KEY = 'bench-ingest-key';
const AUDITOR_TOKEN = 'bench-auditor-token';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const HEADERS = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
const ITEM = {
  subject: { userId: 'bench-user', name: 'Jane Example', claimedCountry: 'US' },
  network: { ip: '71.192.0.1', userAgent: 'bench/1' },
  resource: { model: 'standard-chat', action: 'inference' },
};

interface Phase {
  phase: string;
  offeredRate: number | 'saturation';
  loadAverage1m: { start: number; end: number };
  /** Requests the phase's rate asks for (rate × seconds); null for saturation, which sends as fast as answered. */
  scheduled: number | null;
  /** Requests sent and answered (in requests: a batch counts its 100). */
  offered: number;
  /** Requests that got no answer (autocannon's errors, timeouts included): never accepted. */
  unanswered: number;
  accepted: number;
  httpP99Ms: number;
  decidedPerSec: number;
  latencyMs: ReturnType<typeof summarize>;
  /** Each hop from one stage's timestamp to the next: the previous stage's work + produce + the next fetch. */
  hopLatencyMs: Record<string, ReturnType<typeof summarize>>;
  /** CPU of each process (services, broker, database, this bench) during the phase per decided request. */
  cpuUsPerRequest: Record<string, number>;
  allDecided: boolean;
}

function decisionLatency(e: AccessDecidedV1): number {
  return Date.parse(e.timestamps.decidedAt!) - Date.parse(e.timestamps.requestedAt);
}

const HOPS = [
  ['ingest→geolocation', 'requestedAt', 'geolocatedAt'],
  ['geolocation→verification', 'geolocatedAt', 'verifiedAt'],
  ['verification→decision', 'verifiedAt', 'decidedAt'],
] as const;

function hopLatencies(events: AccessDecidedV1[]): Phase['hopLatencyMs'] {
  const ts = (e: AccessDecidedV1, k: string) =>
    Date.parse((e.timestamps as unknown as Record<string, string>)[k]!);
  return Object.fromEntries(
    HOPS.map(([name, from, to]) => [name, summarize(events.map((e) => ts(e, to) - ts(e, from)))]),
  );
}

/**
 * Audit lag: for a sample of decided requests, polls the auditor API until the request's timeline carries the
 * decision; lag = first answer with it − decidedAt. At most MAX_POLLING samples are polled at once (more would load
 * the database being measured); samples beyond that are counted as skipped, never queued (a queued poll would
 * start late and overstate the lag).
 */
class AuditLagSampler {
  private static readonly MAX_POLLING = 8;
  private static readonly POLL_MS = 100;
  private static readonly GIVE_UP_MS = 120_000;
  readonly lags: number[] = [];
  /** The same lags by the phase whose decision was sampled (the goal is per rate). */
  private readonly lagsByPhase = new Map<string, number[]>();
  private current = '';
  readonly notFound: string[] = [];
  skipped = 0;
  private polling = 0;
  private seen = 0;
  private readonly running = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private every = 1;

  constructor(
    private readonly decided: Collector<AccessDecidedV1>,
    private readonly baseUrl: string,
  ) {}

  /** Samples about `samples` of the next `expected` decisions, counted under `name`. */
  phase(name: string, expected: number, samples: number): void {
    this.current = name;
    this.every = Math.max(1, Math.floor(expected / Math.max(1, samples)));
    this.seen = this.decided.messages.length;
    this.timer ??= setInterval(() => this.tick(), 20);
  }

  private tick(): void {
    const messages = this.decided.messages;
    for (; this.seen < messages.length; this.seen++) {
      if (this.seen % this.every !== 0) continue;
      if (this.polling >= AuditLagSampler.MAX_POLLING) {
        this.skipped++;
        continue;
      }
      const e = messages[this.seen]!.event;
      const p = this.follow(e.requestId, Date.parse(e.timestamps.decidedAt!), this.current).finally(() => {
        this.polling--;
        this.running.delete(p);
      });
      this.polling++;
      this.running.add(p);
    }
  }

  private async follow(requestId: string, decidedAt: number, phase: string): Promise<void> {
    const deadline = Date.now() + AuditLagSampler.GIVE_UP_MS;
    while (Date.now() < deadline) {
      const res = await fetch(`${this.baseUrl}/v1/audit/requests/${requestId}`, {
        headers: { authorization: `Bearer ${AUDITOR_TOKEN}` },
      }).catch(() => undefined);
      if (res?.status === 200) {
        const body = (await res.json()) as { explanation: unknown };
        if (body.explanation !== null && body.explanation !== undefined) {
          const lag = Date.now() - decidedAt;
          this.lags.push(lag);
          const own = this.lagsByPhase.get(phase) ?? [];
          this.lagsByPhase.set(phase, [...own, lag]);
          return;
        }
      } else await res?.body?.cancel();
      await new Promise((r) => setTimeout(r, AuditLagSampler.POLL_MS));
    }
    this.notFound.push(requestId);
  }

  async finish(): Promise<{
    samples: number;
    p50: number;
    p99: number;
    max: number;
    notFoundWithin120s: number;
    skipped: number;
    byPhase: Record<string, { samples: number; p50: number; p99: number; max: number }>;
  }> {
    this.tick();
    clearInterval(this.timer);
    await Promise.all([...this.running]);
    const s = summarize(this.lags);
    return {
      samples: this.lags.length,
      p50: s.p50,
      p99: s.p99,
      max: s.max,
      notFoundWithin120s: this.notFound.length,
      skipped: this.skipped,
      byPhase: Object.fromEntries(
        [...this.lagsByPhase].map(([phase, lags]) => {
          const p = summarize(lags);
          return [phase, { samples: lags.length, p50: p.p50, p99: p.p99, max: p.max }];
        }),
      ),
    };
  }
}

async function main(): Promise<void> {
  const { brokers, mongoUri } = ensureInfra();
  const compiledRoot = RUNTIME === 'compiled' ? buildCompiled() : undefined;
  const kafka = new TestKafka(brokers);
  const prefix = uniqueTopicPrefix('bench-pipeline');
  const db = `bench_${randomUUID().slice(0, 8)}`;
  const profileDir = join(
    ROOT,
    'bench',
    'results',
    'profiles',
    new Date().toISOString().replace(/[:.]/g, '-'),
  );
  if (PROFILE) mkdirSync(profileDir, { recursive: true });
  const memoryDir = mkdtempSync(join(tmpdir(), 'clearance-bench-memory-'));
  const env = {
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_EXACTLY_ONCE: String(EXACTLY_ONCE),
    LOG_LEVEL: 'warn',
    INGEST_API_KEYS: `bench:${sha256(API_KEY)}`,
    INGEST_RATE_LIMIT: '1000000',
    INGEST_ADDRESS_RATE_LIMIT: '1000000',
    AUDITOR_TOKENS: `bench:${sha256(AUDITOR_TOKEN)}`,
  };
  if (REGISTERED > 0) await seedRegistry(mongoUri.replace(/\/[^/]*$/, `/${db}_verification`), REGISTERED);
  const services = new Map<StageName, ServiceProcess>();
  // as the services were started: the manifests may change while the run goes on
  const nodeOptions = new Map<StageName, string[]>();
  const stages: StageName[] = ['decision', 'verification', 'geolocation', 'ingest'];
  for (const name of WITH_AUDIT ? (['audit', ...stages] as StageName[]) : stages) {
    // a database per service, as in production: each owns its collections
    const own = { MONGODB_URI: mongoUri.replace(/\/[^/]*$/, `/${db}_${name}`) };
    services.set(
      name,
      await spawnService(name, {
        env: {
          ...env,
          ...own,
          ...(REGISTRY_CACHE ? {} : { REGISTRY_CACHE_REFRESH_MS: '0' }),
          ...(PROFILE ? { CLEARANCE_CPU_PROFILE: join(profileDir, `${name}.cpuprofile`) } : {}),
          CLEARANCE_MEMORY_SAMPLES: join(memoryDir, `${name}.ndjson`),
          ...SERVICE_ENV.get(name),
        },
        nodeArgs: [
          ...(PROFILE ? ['-r', join(ROOT, 'bench', 'cpu-profile.preload.cjs')] : []),
          '-r',
          join(ROOT, 'bench', 'memory-sampler.preload.cjs'),
          ...nodeOptions.set(name, nodeOptionsOf(name)).get(name)!,
        ],
        compiledRoot,
      }),
    );
  }
  await Promise.all([...services.values()].map((s) => s.waitReady(900_000)));
  const ingest = services.get('ingest')!;
  const decided = await kafka.collector<AccessDecidedV1>(prefix, Topics.AccessDecided);
  const pids: Record<string, number> = {
    ...Object.fromEntries([...services].map(([n, s]) => [n, s.child.pid!])),
    ...infraPids(),
    bench: process.pid,
  };
  process.stdout.write(`services ready (load average ${loadAverage()}); processes ${JSON.stringify(pids)}\n`);

  const loadFrom = Date.now();
  const rssMax: Record<string, number> = {};
  const rssTimer = setInterval(() => {
    for (const [n, s] of services) rssMax[n] = Math.max(rssMax[n] ?? 0, rssMiB(s.child.pid!) || 0);
  }, 1000);
  const sampler = WITH_AUDIT ? new AuditLagSampler(decided, services.get('audit')!.baseUrl) : undefined;

  const phases: Phase[] = [];
  let expected = 0;
  const runPhase = async (name: string, rate: number | 'saturation', seconds: number): Promise<Phase> => {
    const from = decided.messages.length;
    const single = rate !== 'saturation';
    const loadStart = loadAverage();
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, cpuMs(pid)]));
    sampler?.phase(name, single ? rate * seconds : seconds * 1000, AUDIT_SAMPLES);
    const r = await autocannon({
      url: `${ingest.baseUrl}/v1/access-requests${single ? '' : '/batch'}`,
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify(single ? ITEM : { requests: Array.from({ length: BATCH }, () => ITEM) }),
      duration: seconds,
      // One connection per request a second keeps a fixed-rate phase open-loop up to an HTTP latency of 1 s: with
      // 32, autocannon waited for answers and sent a third of 1,000/s, so a slow answer lowered the load instead of
      // showing up as latency (coordinated omission).
      connections: single ? Math.max(32, rate) : 4,
      ...(single ? { overallRate: rate } : {}),
    });
    const accepted = single
      ? (r.statusCodeStats['202']?.count ?? 0)
      : (r.statusCodeStats['200']?.count ?? 0) * BATCH;
    expected += accepted;
    const allDecided = await decided
      .waitFor((m) => m.length >= expected, 180_000, `${expected} decisions`)
      .then(() => true)
      .catch(() => false);
    const cpuUsPerRequest = Object.fromEntries(
      Object.entries(pids).map(([n, pid]) => [
        n,
        Math.round(((cpuMs(pid) - cpuBefore[n]!) * 1000) / Math.max(1, decided.messages.length - from)),
      ]),
    );
    const events = decided.messages.slice(from).map((m) => m.event);
    const first = Math.min(...events.map((e) => Date.parse(e.timestamps.requestedAt)));
    const last = Math.max(...events.map((e) => Date.parse(e.timestamps.decidedAt!)));
    const phase: Phase = {
      phase: name,
      offeredRate: rate,
      loadAverage1m: { start: loadStart, end: loadAverage() },
      scheduled: single ? rate * seconds : null,
      offered: single ? r.requests.total : r.requests.total * BATCH,
      unanswered: r.errors * (single ? 1 : BATCH),
      accepted,
      httpP99Ms: r.latency.p99,
      decidedPerSec: Math.round(events.length / ((last - first) / 1000)),
      latencyMs: summarize(events.map(decisionLatency)),
      hopLatencyMs: hopLatencies(events),
      cpuUsPerRequest,
      allDecided,
    };
    process.stdout.write(`${JSON.stringify(phase)}\n`);
    return phase;
  };

  // warm-up (JIT, validators compiled on the first message, connections): not reported
  await runPhase('warm-up', 50, 4);
  const signalAll = () => [...services.values()].forEach((s) => s.child.kill('SIGWINCH'));
  if (PROFILE) signalAll();
  for (const rate of RATES) phases.push(await runPhase(`fixed ${rate}/s`, rate, SECONDS));
  if (SATURATION_SECONDS > 0)
    phases.push(await runPhase('saturation (batches of 100)', 'saturation', SATURATION_SECONDS));

  const auditLagMs = sampler ? await sampler.finish() : null;
  clearInterval(rssTimer);
  if (PROFILE) {
    signalAll();
    await pollUntil(
      () => [...services.keys()].every((n) => existsSync(join(profileDir, `${n}.cpuprofile`))),
      {
        timeoutMs: 60_000,
        what: 'the CPU profiles',
      },
    );
  }

  const loadTo = Date.now();
  // an out-of-memory exit (or any other) under load fails the run: its figures would be of fewer processes
  const died = [...services].filter(([, s]) => !s.running);
  await decided.stop();
  await Promise.all([...services.values()].map((s) => s.stop(30_000)));
  if (died.length > 0)
    throw new Error(
      died
        .map(
          ([n, s]) =>
            `${n} exited under load (${s.child.exitCode ?? s.child.signalCode}): ${s.output.slice(-5).join('')}`,
        )
        .join('\n'),
    );
  const memory = Object.fromEntries(
    [...services.keys()].map((n) => [n, memoryUnderLoad(join(memoryDir, `${n}.ndjson`), loadFrom, loadTo)]),
  );
  rmSync(memoryDir, { recursive: true, force: true });
  const raw = await measure(kafka, uniqueTopicPrefix('bench-rawhop'), RAW_MESSAGES, (p) =>
    rawStage(brokers, p),
  );
  await kafka.disconnect();

  const saturation = phases.find((p) => p.offeredRate === 'saturation');
  const result = {
    withAudit: WITH_AUDIT,
    exactlyOnce: EXACTLY_ONCE,
    options: {
      registered: REGISTERED,
      registryCache: REGISTRY_CACHE,
      runtime: RUNTIME,
      rates: RATES,
      seconds: SECONDS,
      saturationSeconds: SATURATION_SECONDS,
      auditSamples: AUDIT_SAMPLES,
      nodeOptions: Object.fromEntries(nodeOptions),
      serviceEnv: Object.fromEntries(SERVICE_ENV),
    },
    machine: machine(),
    phases,
    auditLagMs,
    rssMiBMaxUnderLoad: rssMax,
    memoryMiBUnderLoad: memory,
    rawKafkajsHop: raw,
    pipelineVsRawHop: saturation ? +(saturation.decidedPerSec / raw.throughputPerSec).toFixed(2) : null,
    ...(PROFILE ? { profiles: profileDir } : {}),
  };
  const name =
    arg('name', '') || `pipeline${WITH_AUDIT ? '' : '-without-audit'}${EXACTLY_ONCE ? '-exactly-once' : ''}`;
  writeResult(name, result);
  const table = [
    '| phase | load | scheduled | offered | unanswered | accepted | decided/s | ingest→decision p50 / p95 / p99 (ms) | HTTP p99 (ms) | all decided |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...phases.map(
      (p) =>
        `| ${p.phase} | ${p.loadAverage1m.start}→${p.loadAverage1m.end} | ${p.scheduled ?? '—'} | ${p.offered} | ${p.unanswered} | ${p.accepted} | ${p.decidedPerSec} | ${p.latencyMs.p50} / ${p.latencyMs.p95} / ${p.latencyMs.p99} | ${p.httpP99Ms} | ${p.allDecided ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
  const memoryTable = [
    '| service | RSS max (ps) | at max RSS: rss / heap total / heap used / new space / old used / external | heap used max | GC ms (minor, major) under load |',
    '|---|---|---|---|---|',
    ...Object.entries(memory).map(([n, m]) => {
      const a = m.atMaxRss;
      return `| ${n} | ${rssMax[n]} | ${a ? `${a.rss} / ${a.heapTotal} / ${a.heapUsed} / ${a.spaces.new?.size ?? '?'} / ${a.spaces.old?.used ?? '?'} / ${a.external}` : '-'} | ${m.heapUsedMax} | ${m.gcMsUnderLoad.minor}, ${m.gcMsUnderLoad.major + m.gcMsUnderLoad.incremental} |`;
    }),
  ].join('\n');
  process.stdout.write(
    `\n${table}\n\n${memoryTable}\n\naudit lag: ${JSON.stringify(auditLagMs)}\nRSS MiB (max under load): ${JSON.stringify(rssMax)}\nraw kafkajs hop: ${JSON.stringify(raw)}\n`,
  );
}

interface MemorySample {
  t: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  heapLimit: number;
  liveAfterMajorGc?: number;
  spaces: Record<string, { size: number; used: number }>;
  gcMs: Record<'minor' | 'major' | 'incremental' | 'weakcb', number>;
  gcCount: Record<'minor' | 'major' | 'incremental' | 'weakcb', number>;
}

/**
 * What bench/memory-sampler.preload.cjs saw inside one service while the load ran: the sample at its highest RSS
 * (where that RSS is: V8's heap and its spaces, external memory), the highest heap used, and the GC time and counts
 * spent during the load.
 */
function memoryUnderLoad(file: string, from: number, to: number) {
  const all = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as MemorySample)
    : [];
  const during = all.filter((s) => s.t >= from && s.t <= to);
  const atMaxRss = during.reduce<MemorySample | undefined>(
    (a, s) => (!a || s.rss > a.rss ? s : a),
    undefined,
  );
  const first = during[0];
  const last = during[during.length - 1];
  const delta = (k: 'gcMs' | 'gcCount') =>
    Object.fromEntries(
      (['minor', 'major', 'incremental', 'weakcb'] as const).map((g) => [
        g,
        first && last ? last[k][g] - first[k][g] : 0,
      ]),
    ) as MemorySample['gcMs'];
  return {
    samples: during.length,
    heapLimitMiB: first?.heapLimit ?? null,
    atMaxRss: atMaxRss ?? null,
    heapUsedMax: Math.max(0, ...during.map((s) => s.heapUsed)),
    heapTotalMax: Math.max(0, ...during.map((s) => s.heapTotal)),
    /** The highest heap used just after a full GC: the live peak (0: no full GC ran during the load). */
    liveAfterMajorGcMax: Math.max(0, ...during.map((s) => s.liveAfterMajorGc ?? 0)),
    externalMax: Math.max(0, ...during.map((s) => s.external)),
    gcMsUnderLoad: delta('gcMs'),
    gcCountUnderLoad: delta('gcCount'),
  };
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
