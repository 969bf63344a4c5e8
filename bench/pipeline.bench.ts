/**
 * The whole pipeline over HTTP on this machine: five services as separate processes, requests to ingest at fixed
 * rates and at saturation, every accepted request followed to its decision on access.decided.v1 and into the
 * audit store; next to a raw kafkajs produce → consume hop measured in the same run.
 *   npm run bench            (= node -r @swc-node/register bench/pipeline.bench.ts)
 * Options: --rates=250,500,1000 --seconds=15 --saturation-seconds=20 --without-audit
 * (--without-audit: the four decision stages only, to show what the audit store's database load costs them)
 */
import { createHash, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { AccessDecidedV1, StageName } from '@clearance/contracts';
import { Topics } from '@clearance/contracts';
import {
  pollUntil,
  type ServiceProcess,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
} from '@clearance/testing';
import { ensureInfra, rssMiB, summarize, writeResult } from './bench.support';
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
const RATES = arg('rates', '250,500,1000').split(',').map(Number);
const SECONDS = Number(arg('seconds', '15'));
const SATURATION_SECONDS = Number(arg('saturation-seconds', '20'));
const BATCH = 100;
const WITH_AUDIT = !process.argv.includes('--without-audit');

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
  accepted: number;
  httpP99Ms: number;
  decidedPerSec: number;
  latencyMs: ReturnType<typeof summarize>;
  allDecided: boolean;
}

function decisionLatency(e: AccessDecidedV1): number {
  return Date.parse(e.timestamps.decidedAt!) - Date.parse(e.timestamps.requestedAt);
}

async function main(): Promise<void> {
  const { brokers, mongoUri } = ensureInfra();
  const kafka = new TestKafka(brokers);
  const prefix = uniqueTopicPrefix('bench-pipeline');
  const db = `bench_${randomUUID().slice(0, 8)}`;
  const env = {
    KAFKA_TOPIC_PREFIX: prefix,

    LOG_LEVEL: 'warn',
    INGEST_API_KEYS: `bench:${sha256(API_KEY)}`,
    INGEST_RATE_LIMIT: '1000000',
    INGEST_ADDRESS_RATE_LIMIT: '1000000',
    AUDITOR_TOKENS: `bench:${sha256(AUDITOR_TOKEN)}`,
  };
  const services = new Map<StageName, ServiceProcess>();
  const stages: StageName[] = ['decision', 'verification', 'geolocation', 'ingest'];
  for (const name of WITH_AUDIT ? (['audit', ...stages] as StageName[]) : stages) {
    // a database per service, as in production: each owns its collections
    const own = { MONGODB_URI: mongoUri.replace(/\/[^/]*$/, `/${db}_${name}`) };
    services.set(name, await spawnService(name, { env: { ...env, ...own } }));
  }
  await Promise.all([...services.values()].map((s) => s.waitReady(180_000)));
  const ingest = services.get('ingest')!;
  const decided = await kafka.collector<AccessDecidedV1>(prefix, Topics.AccessDecided);
  process.stdout.write(`services ready (load average ${loadavg()[0]!.toFixed(1)})\n`);

  const phases: Phase[] = [];
  let expected = 0;
  const runPhase = async (name: string, rate: number | 'saturation'): Promise<void> => {
    const from = decided.messages.length;
    const single = rate !== 'saturation';
    const r = await autocannon({
      url: `${ingest.baseUrl}/v1/access-requests${single ? '' : '/batch'}`,
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify(single ? ITEM : { requests: Array.from({ length: BATCH }, () => ITEM) }),
      duration: single ? SECONDS : SATURATION_SECONDS,
      connections: single ? 32 : 4,
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
    const events = decided.messages.slice(from).map((m) => m.event);
    const first = Math.min(...events.map((e) => Date.parse(e.timestamps.requestedAt)));
    const last = Math.max(...events.map((e) => Date.parse(e.timestamps.decidedAt!)));
    phases.push({
      phase: name,
      offeredRate: rate,
      accepted,
      httpP99Ms: r.latency.p99,
      decidedPerSec: Math.round(events.length / ((last - first) / 1000)),
      latencyMs: summarize(events.map(decisionLatency)),
      allDecided,
    });
    process.stdout.write(`${JSON.stringify(phases[phases.length - 1])}\n`);
  };

  for (const rate of RATES) await runPhase(`fixed ${rate}/s`, rate);
  await runPhase('saturation (batches of 100)', 'saturation');

  // audit lag: how long after the last decision the audit service has stored (and committed) every decided
  // event; read from its metrics, not by querying the store, which would load the database being measured
  const lastDecidedAt = Math.max(...decided.messages.map((m) => Date.parse(m.event.timestamps.decidedAt!)));
  const auditedAt = !WITH_AUDIT
    ? NaN
    : await pollUntil(
        async () => {
          const text = await (await fetch(`${services.get('audit')!.baseUrl}/metrics`)).text();
          const line = text
            .split('\n')
            .find((l) => l.startsWith(`clearance_messages_in_total{topic="${Topics.AccessDecided}"}`));
          return Number(line?.split(' ').pop() ?? 0) >= decided.messages.length ? Date.now() : undefined;
        },
        { timeoutMs: 300_000, intervalMs: 250, what: 'audit to store every decision' },
      ).catch(() => NaN);
  const auditLagMs = auditedAt - lastDecidedAt;
  const rss = Object.fromEntries([...services].map(([n, s]) => [n, rssMiB(s.child.pid!)]));

  await decided.stop();
  await Promise.all([...services.values()].map((s) => s.stop()));
  const raw = await measure(kafka, uniqueTopicPrefix('bench-rawhop'), 20_000, (p) => rawStage(brokers, p));
  await kafka.disconnect();

  const result = {
    withAudit: WITH_AUDIT,
    machine: { cores: 2, loadAverage1m: +loadavg()[0]!.toFixed(1) },
    phases,
    auditLagMs,
    rssMiB: rss,
    rawKafkajsHop: raw,
    pipelineVsRawHop: +((phases[phases.length - 1]?.decidedPerSec ?? 0) / raw.throughputPerSec).toFixed(2),
  };
  writeResult(WITH_AUDIT ? 'pipeline' : 'pipeline-without-audit', result);
  const table = [
    '| phase | offered | accepted | decided/s | ingest→decision p50 / p95 / p99 (ms) | HTTP p99 (ms) | all decided |',
    '|---|---|---|---|---|---|---|',
    ...phases.map(
      (p) =>
        `| ${p.phase} | ${p.offeredRate} | ${p.accepted} | ${p.decidedPerSec} | ${p.latencyMs.p50} / ${p.latencyMs.p95} / ${p.latencyMs.p99} | ${p.httpP99Ms} | ${p.allDecided ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
  process.stdout.write(
    `\n${table}\n\naudit lag after the last decision: ${auditLagMs} ms; RSS MiB: ${JSON.stringify(rss)}\nraw kafkajs hop: ${JSON.stringify(raw)}\n`,
  );
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
