/**
 * Ingest HTTP benchmark: POST /v1/access-requests with the broker acknowledging (acks=all), next to the same app
 * with publishing stubbed (INGEST_PUBLISH_STUB=true), same run; then latency at a fixed 1,000 req/s; with
 * `--pipeline`, also `Prefer: wait=5` round trips through geolocation, verification and decision. With `--keys`
 * instead: what the idempotency claim costs (issue 15), the same publishing app without and with a fresh
 * `Idempotency-Key` per request (one claim insert into MongoDB each), alternated over rounds, then both at a
 * fixed 1,000 req/s with the CPU time of ingest and of the database per request.
 * `--rate=N` sets the fixed rate (default 1,000/s); `--rounds=0` skips the throughput rounds and measures only the
 * fixed-rate CPU per request (what issue 12's CPU work compares). `--board` measures, in this process, the memory of
 * the DecisionBoard holding `INGEST_RECENT_DECISIONS_MAX` decisions kept undecoded and then decoded, and the CPU of
 * one decode. `--validation` times, in this process, the body pipe's parts per request: `withoutNulls`,
 * class-transformer's `plainToInstance`, and the whole ValidationPipe before and after `memoizeValidationMetadata`.
 *   node -r @swc-node/register bench/ingest.bench.ts [--seconds=10] [--rounds=3] [--rate=1000] [--pipeline | --keys]
 *   node --expose-gc -r @swc-node/register bench/ingest.bench.ts --board
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { DEV_API_KEY } from '../services/ingest/src/auth/dev-key';
import { DecisionBoard } from '../services/ingest/src/decisions/decision.board';
import { decisionRecordOf } from '../services/ingest/src/decisions/decision.view';
import { AccessRequestBodyDto } from '../services/ingest/src/access-requests/access-request.dto';
import { memoizeValidationMetadata, withoutNulls } from '@clearance/platform';
import { ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { aDecidedEvent, spawnService, uniqueTopicPrefix, type ServiceProcess } from '@clearance/testing';
import { cpuMs as processCpuMs, ensureInfra, infraPids, rssMiB, writeResult } from './bench.support';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no type declarations
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

const SECONDS = Number(/--seconds=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 10);
const PIPELINE = process.argv.includes('--pipeline');
/** The fixed rate of the CPU-per-request runs; lower it where a loaded machine cannot offer 1,000/s. */
const FIXED_RATE = Number(/--rate=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 1000);
const ROUNDS = Number(/--rounds=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 3);
const KEYS = process.argv.includes('--keys');
const BOARD = process.argv.includes('--board');
const VALIDATION = process.argv.includes('--validation');
/** Every request with an Idempotency-Key of its own: one new claim each, never a replay. */
const WITH_KEYS = {
  requests: [
    {
      setupRequest: (req: { headers?: Record<string, string> }) => ({
        ...req,
        headers: { ...req.headers, 'idempotency-key': randomUUID() },
      }),
    },
  ],
};

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const BODY = JSON.stringify({
  subject: { userId: 'user-42', organizationId: 'org-7', name: 'Jane Example', claimedCountry: 'US' },
  network: { ip: '8.8.4.4', userAgent: 'model-gateway/1.4' },
  resource: { model: 'frontier-1', action: 'inference' },
});
const HEADERS = { authorization: `Bearer ${DEV_API_KEY}`, 'content-type': 'application/json' };

interface Run {
  reqPerSec: number;
  total: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  statusCodes: Record<string, number>;
  errors: number;
}

async function load(svc: ServiceProcess, opts: Record<string, unknown>): Promise<Run> {
  const r = await autocannon({
    url: `${svc.baseUrl}/v1/access-requests`,
    method: 'POST',
    headers: HEADERS,
    body: BODY,
    ...opts,
  });
  return {
    reqPerSec: Math.round(r.requests.average),
    total: r.requests.total,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
    errors: r.errors + r.timeouts,
  };
}

/** CPU time (user + system, ms) a process used so far: a measure the other load on the machine does not skew much. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // fields 14 and 15 of /proc/<pid>/stat (utime, stime) in clock ticks of 10 ms
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A load run plus the CPU the service spent per answered request. */
async function loadWithCpu(
  svc: ServiceProcess,
  opts: Record<string, unknown>,
): Promise<Run & { cpuMsPerRequest: number }> {
  const before = cpuMs(svc.child.pid!);
  const run = await load(svc, opts);
  const cpuMsPerRequest = Math.round(((cpuMs(svc.child.pid!) - before) / run.total) * 1000) / 1000;
  return { ...run, cpuMsPerRequest };
}

async function startIngest(prefix: string, env: Record<string, string>): Promise<ServiceProcess> {
  const svc = await spawnService('ingest', {
    env: {
      KAFKA_TOPIC_PREFIX: prefix,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      INGEST_RATE_LIMIT: '100000000',
      INGEST_ADDRESS_RATE_LIMIT: '100000000',
      ...env,
    },
  });
  await svc.waitReady(120_000);
  return svc;
}

/** The claim's cost: the same publishing app, requests without and with a fresh key, alternated. */
async function keyedRuns(): Promise<void> {
  const loadAvgBefore = loadavg().map((l) => Math.round(l * 100) / 100);
  const svc = await startIngest(uniqueTopicPrefix('bench-ingest-keys'), {});
  const db = infraPids()['ferretdb'];
  try {
    const throughput = { connections: 64, duration: SECONDS };
    const fixed = { connections: 32, overallRate: FIXED_RATE, duration: SECONDS };
    await load(svc, { connections: 32, duration: 3 });
    await load(svc, { connections: 32, duration: 3, ...WITH_KEYS });
    const rounds: { plain: Run; keyed: Run }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const keyedFirst = i % 2 === 1;
      const a = await load(svc, keyedFirst ? { ...throughput, ...WITH_KEYS } : throughput);
      const b = await load(svc, keyedFirst ? throughput : { ...throughput, ...WITH_KEYS });
      rounds.push(keyedFirst ? { keyed: a, plain: b } : { plain: a, keyed: b });
    }
    const fixedRun = async (opts: Record<string, unknown>) => {
      const dbBefore = db ? processCpuMs(db) : NaN;
      const run = await loadWithCpu(svc, opts);
      const dbCpuMsPerRequest = db
        ? Math.round(((processCpuMs(db) - dbBefore) / run.total) * 1000) / 1000
        : null;
      return { ...run, dbCpuMsPerRequest };
    };
    const plainFixed = await fixedRun(fixed);
    const keyedFixed = await fixedRun({ ...fixed, ...WITH_KEYS });
    const plainMedian = median(rounds.map((r) => r.plain.reqPerSec));
    const keyedMedian = median(rounds.map((r) => r.keyed.reqPerSec));
    const result = {
      seconds: SECONDS,
      rounds: ROUNDS,
      connections: throughput.connections,
      database: process.env.MONGODB_URI?.replace(/\/\/[^@]*@/, '//'),
      loadAvgBefore,
      loadAvgAfter: loadavg().map((l) => Math.round(l * 100) / 100),
      maxThroughput: { plainMedian, keyedMedian, rounds },
      claimCostPct: Math.round((1 - keyedMedian / plainMedian) * 1000) / 10,
      fixedRate: { rate: FIXED_RATE, plain: plainFixed, keyed: keyedFixed },
      rssMiB: rssMiB(svc.child.pid!),
    };
    writeResult('ingest-keys', result);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await svc.stop();
  }
}

/** The board's memory: decided events kept as bytes (issue 12) against the same decisions decoded. */
function boardMemory(): void {
  const n = 50_000; // INGEST_RECENT_DECISIONS_MAX
  // the factory's decided event (~2 KB; the pipeline's carry more evidence, ~4 KB): undecoded memory scales with it
  const event = (requestId: string): Buffer => Buffer.from(JSON.stringify(aDecidedEvent({ requestId })));
  const usage = (): number => {
    global.gc?.();
    global.gc?.();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const ids = Array.from({ length: n }, (_, i) => `req-${i}`);
  const newBoard = (): DecisionBoard => {
    const board = new DecisionBoard({ maxRecent: n, recentTtlMs: 3_600_000, maxUndecodedBytes: 1024 ** 3 });
    for (const id of ids) board.markAccepted('gateway', id);
    return board;
  };
  for (let i = 0; i < 2_000; i++) decisionRecordOf(event('warm-up')); // JIT and the compiled schemas, not measured
  const measure = (fill: (board: DecisionBoard) => void): { bytesPerEntry: number; kept: number } => {
    const start = usage();
    const board = newBoard();
    fill(board);
    return { bytesPerEntry: Math.round((usage() - start) / n), kept: board.undecodedUsage.bytes };
  };
  // now: kept as bytes until a GET
  const undecoded = measure((board) => ids.forEach((id) => board.offer(id, event(id))));
  // before: every accepted request's decision decoded as it arrives
  const before = process.cpuUsage();
  const decoded = measure((board) => ids.forEach((id) => board.record(decisionRecordOf(event(id))!)));
  const cpu = process.cpuUsage(before);
  const result = {
    entries: n,
    eventBytes: event(ids[0]!).length,
    // the board's structures (three LRU caches of n ids) included in both
    decodedBytesPerEntry: decoded.bytesPerEntry,
    undecodedBytesPerEntry: undecoded.bytesPerEntry,
    undecodedBytes: undecoded.kept,
    decodeCpuUsPerEvent: Math.round((cpu.user + cpu.system) / n),
    gcExposed: global.gc !== undefined,
    loadAvg: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  writeResult('ingest-board', result);
  console.log(JSON.stringify(result, null, 2));
}

/** CPU µs per call of `fn`, after a warm-up. */
function cpuUsPerCall(fn: () => unknown, calls = 5_000): number {
  for (let i = 0; i < 1_000; i++) fn();
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const used = process.cpuUsage(before);
  return Math.round(((used.user + used.system) / calls) * 10) / 10;
}

async function cpuUsPerAsyncCall(fn: () => Promise<unknown>, calls = 5_000): Promise<number> {
  for (let i = 0; i < 1_000; i++) await fn();
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn();
  const used = process.cpuUsage(before);
  return Math.round(((used.user + used.system) / calls) * 10) / 10;
}

/** The HTTP body's validation, part by part (issue 12): what the metadata cache saves, what the rest costs. */
async function validationCost(): Promise<void> {
  // every class the service registers (contracts' events, env, DTOs): the unmemoized lookup scans them all
  await import('../services/ingest/src/access-requests/access-request.controller');
  await import('../services/ingest/src/ingest.env');
  await import('@clearance/contracts');
  const body = JSON.parse(BODY) as Record<string, unknown>;
  const metadata = { type: 'body' as const, metatype: AccessRequestBodyDto, data: '' };
  // the options of strictValidationPipe(), without its memoizing (done below, once)
  const pipe = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
  });
  const unmemoized = await cpuUsPerAsyncCall(() => pipe.transform(withoutNulls(body), metadata));
  memoizeValidationMetadata();
  const memoized = await cpuUsPerAsyncCall(() => pipe.transform(withoutNulls(body), metadata));
  const result = {
    withoutNullsUs: cpuUsPerCall(() => withoutNulls(body)),
    plainToInstanceUs: cpuUsPerCall(() => plainToInstance(AccessRequestBodyDto, body)),
    validationPipeUs: { unmemoized, memoized },
    loadAvg: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  writeResult('ingest-validation', result);
  console.log(JSON.stringify(result, null, 2));
}

async function main(): Promise<void> {
  if (BOARD) return boardMemory();
  if (VALIDATION) return validationCost();
  ensureInfra();
  if (KEYS) return keyedRuns();
  const loadAvgBefore = loadavg().map((l) => Math.round(l * 100) / 100);
  const prefix = uniqueTopicPrefix('bench-ingest');
  const kafka = await startIngest(prefix, {});
  const stub = await startIngest(prefix, { INGEST_PUBLISH_STUB: 'true' });
  const services = [kafka, stub];
  try {
    const throughput = { connections: 64, duration: SECONDS };
    const fixed = { connections: 32, overallRate: FIXED_RATE, duration: SECONDS };
    // warm-up (JIT, producer connection, topic metadata): not recorded
    await load(stub, { connections: 32, duration: 3 });
    await load(kafka, { connections: 32, duration: 3 });

    // The machine is shared: alternate the two apps over several rounds and compare medians.
    const rounds: { stub: Run; kafka: Run }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const first = i % 2 === 0 ? stub : kafka;
      const a = await load(first, throughput);
      const b = await load(first === stub ? kafka : stub, throughput);
      rounds.push(first === stub ? { stub: a, kafka: b } : { stub: b, kafka: a });
    }
    const stubMedian = median(rounds.map((r) => r.stub.reqPerSec));
    const kafkaMedian = median(rounds.map((r) => r.kafka.reqPerSec));
    const stubFixed = await loadWithCpu(stub, fixed);
    const kafkaFixed = await loadWithCpu(kafka, fixed);
    const result: Record<string, unknown> = {
      seconds: SECONDS,
      rounds: ROUNDS,
      connections: throughput.connections,
      loadAvgBefore,
      loadAvgAfter: loadavg().map((l) => Math.round(l * 100) / 100),
      maxThroughput: { stubMedian, kafkaMedian, rounds },
      publishingCostPct: Math.round((1 - kafkaMedian / stubMedian) * 1000) / 10,
      fixedRate: { rate: FIXED_RATE, stub: stubFixed, kafka: kafkaFixed },
      // CPU of the ingest process per request at the fixed rate: what publishing adds, independent of the load
      publishingCpuCostPct:
        Math.round((1 - stubFixed.cpuMsPerRequest / kafkaFixed.cpuMsPerRequest) * 1000) / 10,
      rssMiB: { kafka: rssMiB(kafka.child.pid!), stub: rssMiB(stub.child.pid!) },
    };

    if (PIPELINE) {
      // Own topics: the stages start from the beginning and must not chew through the load-test backlog first.
      const pipelinePrefix = uniqueTopicPrefix('bench-ingest-pipeline');
      const front = await startIngest(pipelinePrefix, {});
      services.push(front);
      for (const name of ['geolocation', 'verification', 'decision'] as const) {
        const svc = await spawnService(name, {
          env: { KAFKA_TOPIC_PREFIX: pipelinePrefix, LOG_LEVEL: 'warn' },
        });
        services.push(svc);
        await svc.waitReady(120_000);
      }
      const waitHeaders = { ...HEADERS, prefer: 'wait=5' };
      await load(front, { connections: 8, overallRate: 50, duration: 3, timeout: 15, headers: waitHeaders });
      result['waitRoundTrip'] = await load(front, {
        connections: 64,
        overallRate: 200,
        duration: SECONDS,
        timeout: 15,
        headers: waitHeaders,
      });
    }

    writeResult('ingest', result);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await Promise.all(services.map((s) => s.stop()));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
