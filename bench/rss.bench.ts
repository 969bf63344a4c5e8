/**
 * Resident memory of each service at rest, started the development way (TypeScript through @swc-node/register)
 * and the production way (the compiled JavaScript of `npm run build`, as the image runs it), one service at a
 * time on the test broker and database: RSS when ready, its maximum while starting, and V8's heap then.
 *   node -r @swc-node/register bench/rss.bench.ts [--services=verification,audit] [--runtimes=swc,compiled]
 *     [--db=<database>]        an existing database (e.g. the registry pipeline.bench.ts seeded) instead of a new one
 *     [--node-args=a,b]        node options for the services (e.g. --max-semi-space-size=2)
 *     [--registered=N]         seeds N users + N organisations into --db first (as pipeline.bench.ts seeds them), once
 *     [--out=rss]              result file name under bench/results/
 *     [--no-build]             reuse the compiled build a previous run left in dist/
 */
import { randomUUID } from 'node:crypto';
import type { StageName } from '@clearance/contracts';
import { spawnService, uniqueTopicPrefix } from '@clearance/testing';
import { join } from 'node:path';
import { ensureInfra, loadAverage, machine, ROOT, rssMiB, seedRegistry, writeResult } from './bench.support';
import { buildCompiled } from './compiled.support';

const arg = (name: string, fallback: string) =>
  new RegExp(`--${name}=([^\\s]+)`).exec(process.argv.join(' '))?.[1] ?? fallback;
const SERVICES = arg('services', 'ingest,geolocation,verification,decision,audit').split(',') as StageName[];
const RUNTIMES = arg('runtimes', 'swc,compiled').split(',');
const DB = arg('db', '');
const NODE_ARGS = arg('node-args', '').split(',').filter(Boolean);
const REGISTERED = Number(arg('registered', '0'));
const OUT = arg('out', 'rss');

/** V8's own heap figures, from the service's /metrics (prom-client's default collectors). */
async function heapMiB(baseUrl: string): Promise<{ heapUsed: number; external: number } | null> {
  const text = await fetch(`${baseUrl}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const used = value('nodejs_heap_size_used_bytes');
  if (Number.isNaN(used)) return null;
  return {
    heapUsed: Math.round(used / 2 ** 20),
    external: Math.round(value('nodejs_external_memory_bytes') / 2 ** 20),
  };
}

async function main(): Promise<void> {
  const { mongoUri } = ensureInfra();
  if (REGISTERED > 0) {
    if (!DB) throw new Error('--registered needs --db=<database>');
    await seedRegistry(mongoUri.replace(/\/[^/]*$/, `/${DB}`), REGISTERED);
  }
  const compiledRoot = !RUNTIMES.includes('compiled')
    ? undefined
    : process.argv.includes('--no-build')
      ? join(ROOT, 'dist')
      : buildCompiled();
  const rows: Record<string, unknown>[] = [];
  for (const runtime of RUNTIMES) {
    for (const name of SERVICES) {
      const load = loadAverage();
      const svc = await spawnService(name, {
        env: {
          KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('bench-rss'),
          MONGODB_URI: mongoUri.replace(/\/[^/]*$/, `/${DB || `bench_rss_${randomUUID().slice(0, 8)}`}`),
          INGEST_API_KEYS: `bench:${'0'.repeat(64)}`,
          AUDITOR_TOKENS: `bench:${'0'.repeat(64)}`,
        },
        ...(runtime === 'compiled' ? { compiledRoot } : {}),
        nodeArgs: NODE_ARGS,
      });
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(svc.child.pid!) || 0)), 100);
      const started = Date.now();
      await svc.waitReady(300_000);
      const readyMs = Date.now() - started;
      peak = Math.max(peak, rssMiB(svc.child.pid!) || 0);
      clearInterval(sampler);
      const row = {
        service: name,
        runtime,
        readyMs,
        rssReadyMiB: rssMiB(svc.child.pid!),
        rssPeakWhileStartingMiB: peak,
        nodeArgs: NODE_ARGS,
        ...(DB ? { database: DB } : {}),
        heap: await heapMiB(svc.baseUrl),
        loadAverage1m: load,
      };
      process.stdout.write(`${JSON.stringify(row)}\n`);
      rows.push(row);
      await svc.stop(30_000);
    }
  }
  writeResult(OUT, { machine: machine(), rows });
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
