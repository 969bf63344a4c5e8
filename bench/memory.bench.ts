/**
 * Verification's memory, in process, for what the service holds beside its framework (docs/performance.md,
 * "Verification memory"): the denied-party lists (peak RSS and heap while the shipped files are read, parsed and
 * indexed) and the registry cache (heap per cached user and organisation, as the driver hands them over).
 *   node --expose-gc -r @swc-node/register bench/memory.bench.ts [--registered=100000] [--out=memory]
 *     [--lists=worker|thread] (how the service builds the index: a worker thread, or this thread) [--lists-only]
 */
import mongoose from 'mongoose';
import { NameScreener } from '../services/verification/src/screening/name.screener';
import {
  defaultSources,
  loadSanctionsLists,
} from '../services/verification/src/screening/sanctions-lists.loader';
import { buildListsInWorker } from '../services/verification/src/screening/sanctions-lists.worker';
import { RegistryCache } from '../services/verification/src/registry/registry.cache';
import { type SubjectRepository, toStored } from '../services/verification/src/registry/subject.repository';
import type {
  OrganizationRecord,
  Stored,
  UserRecord,
} from '../services/verification/src/registry/subject.schema';
import { VerificationEnv } from '../services/verification/src/verification.env';
import {
  loadAverage,
  registeredOrganizationDoc,
  registeredUserDoc,
  seedStamp,
  writeResult,
} from './bench.support';

const N = Number(/--registered=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 100000);
const LISTS = /--lists=(worker|thread)/.exec(process.argv.join(' '))?.[1] ?? 'worker';
const REGISTRY = !process.argv.includes('--lists-only');
const OUT = /--out=([\w.-]+)/.exec(process.argv.join(' '))?.[1] ?? 'memory';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const mib = (n: number) => +(n / 2 ** 20).toFixed(1);

async function lists(inWorker: boolean): Promise<Record<string, number | boolean>> {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  gc!();
  const base = process.memoryUsage();
  const started = Date.now();
  const loaded = inWorker
    ? await buildListsInWorker(defaultSources())
    : await loadSanctionsLists(defaultSources());
  const parsed = process.memoryUsage();
  const screener = new NameScreener(loaded, 10_000, 3650);
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);
  gc!();
  const after = process.memoryUsage();
  return {
    inWorker,
    ms: Date.now() - started,
    names: screener.indexedNames,
    rssBeforeMiB: mib(base.rss),
    heapAfterParseMiB: mib(parsed.heapUsed - base.heapUsed),
    rssPeakMiB: mib(peak),
    rssAfterGcMiB: mib(after.rss),
    heapKeptMiB: mib(after.heapUsed - base.heapUsed),
    // the index's packed lists are typed arrays, outside the V8 heap
    arrayBuffersKeptMiB: mib(after.arrayBuffers - base.arrayBuffers),
  };
}

/**
 * The registry cache itself (RegistryCache, its packed columns) filled by a full read of `N` users and `N`
 * organisations, each record as SubjectRepository hands it over (toStored of a lean document decoded from BSON by
 * the driver): organisations read first alone, then users beside them.
 */
async function registry(): Promise<Record<string, number>> {
  const { BSON } = mongoose.mongo;
  const decoded = (doc: Record<string, unknown>) =>
    BSON.deserialize(BSON.serialize({ _id: new BSON.ObjectId(), ...doc }));
  const stamp = seedStamp();
  let users = 0;
  const repository = {
    onChange: () => undefined,
    eachOrganization: async (visit: (o: Stored<OrganizationRecord>) => void) => {
      for (let i = 0; i < N; i++) visit(toStored(decoded(registeredOrganizationDoc(i, stamp))));
    },
    eachUser: async (visit: (u: Stored<UserRecord>) => void) => {
      for (let i = 0; i < users; i++) visit(toStored(decoded(registeredUserDoc(i, stamp))));
    },
  } as unknown as SubjectRepository;
  const cache = new RegistryCache(
    repository,
    Object.assign(new VerificationEnv(), { REGISTRY_CACHE_REFRESH_MS: 300_000 }),
  );
  gc!();
  const h0 = process.memoryUsage();
  await cache.refresh();
  gc!();
  const h1 = process.memoryUsage();
  users = N;
  let started = Date.now();
  await cache.refresh();
  const firstUsersReadMs = Date.now() - started;
  gc!();
  const h2 = process.memoryUsage();
  // a re-read that finds every record unchanged (what the periodic re-read mostly does)
  started = Date.now();
  await cache.refresh();
  const rereadMs = Date.now() - started;
  gc!();
  const h3 = process.memoryUsage();
  // heap and the typed arrays' buffers (outside the V8 heap, in `arrayBuffers`)
  const held = (m: NodeJS.MemoryUsage) => m.heapUsed + m.arrayBuffers;
  if (cache.size.users !== N || cache.size.organizations !== N) throw new Error('cache not filled');
  return {
    entries: cache.size.users + cache.size.organizations,
    bytesPerUser: Math.round((held(h2) - held(h1)) / N),
    bytesPerOrganization: Math.round((held(h1) - held(h0)) / N),
    totalMiB: mib(held(h2) - held(h0)),
    afterUnchangedRereadMiB: mib(held(h3) - held(h0)),
    usersReadMs: firstUsersReadMs,
    unchangedRereadMs: rereadMs,
  };
}

async function main(): Promise<void> {
  const load = loadAverage();
  // one way per process: what the first leaves in the heap and in RSS would be the second one's start
  const result = {
    loadAverage1m: load,
    sanctionsLists: await lists(LISTS === 'worker'),
    ...(REGISTRY ? { registryCache: await registry() } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  writeResult(OUT, result);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
