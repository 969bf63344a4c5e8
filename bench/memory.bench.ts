/**
 * Verification's memory, in process, for what the service holds beside its framework (docs/performance.md,
 * "Verification memory"): the denied-party lists (peak RSS and heap while the shipped files are read, parsed and
 * indexed) and the registry cache (heap per cached user and organisation, as the driver hands them over).
 *   node --expose-gc -r @swc-node/register bench/memory.bench.ts [--registered=100000]
 */
import mongoose from 'mongoose';
import { NameScreener } from '../services/verification/src/screening/name.screener';
import {
  defaultSources,
  loadSanctionsLists,
} from '../services/verification/src/screening/sanctions-lists.loader';
import { loadAverage, writeResult } from './bench.support';

const N = Number(/--registered=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 100000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const mib = (n: number) => +(n / 2 ** 20).toFixed(1);

async function lists(): Promise<Record<string, number>> {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  gc!();
  const base = process.memoryUsage();
  const started = Date.now();
  const loaded = await loadSanctionsLists(defaultSources());
  const parsed = process.memoryUsage();
  const screener = new NameScreener(loaded, 10_000, 3650);
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);
  gc!();
  const after = process.memoryUsage();
  return {
    ms: Date.now() - started,
    names: screener.indexedNames,
    rssBeforeMiB: mib(base.rss),
    heapAfterParseMiB: mib(parsed.heapUsed - base.heapUsed),
    rssPeakMiB: mib(peak),
    heapKeptMiB: mib(after.heapUsed - base.heapUsed),
  };
}

/** The cache's entries as SubjectRepository builds them from lean documents (toStored), from BSON as the driver decodes it. */
function registry(): Record<string, number> {
  const { BSON } = mongoose.mongo;
  const meta = new Set(['_id', 'version', 'updatedAt', 'updatedBy']);
  const toStored = (d: Record<string, unknown>) => ({
    record: Object.fromEntries(Object.entries(d).filter(([k, v]) => !meta.has(k) && v != null)),
    version: d['version'],
    updatedAt: d['updatedAt'],
    updatedBy: d['updatedBy'],
  });
  const now = new Date();
  const stamp = { version: 1, updatedAt: now, updatedBy: 'bench-seed' };
  const users = new Map<string, unknown>();
  const organizations = new Map<string, unknown>();
  gc!();
  const h0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) {
    const doc = BSON.deserialize(
      BSON.serialize({
        _id: new BSON.ObjectId(),
        userId: `bench-registered-${i}`,
        level: 'identity',
        residenceCountry: 'US',
        verifiedAt: now,
        organizationId: `bench-org-${i}`,
        ...stamp,
      }),
    );
    users.set(doc['userId'] as string, toStored(doc));
  }
  gc!();
  const h1 = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) {
    const doc = BSON.deserialize(
      BSON.serialize({
        _id: new BSON.ObjectId(),
        organizationId: `bench-org-${i}`,
        legalName: `Bench Organisation ${i} Inc`,
        countryOfIncorporation: 'US',
        egressRanges: [],
        ...stamp,
      }),
    );
    organizations.set(doc['organizationId'] as string, toStored(doc));
  }
  gc!();
  const h2 = process.memoryUsage().heapUsed;
  return {
    entries: users.size + organizations.size,
    bytesPerUser: Math.round((h1 - h0) / N),
    bytesPerOrganization: Math.round((h2 - h1) / N),
    totalMiB: mib(h2 - h0),
  };
}

async function main(): Promise<void> {
  const load = loadAverage();
  const result = { loadAverage1m: load, sanctionsLists: await lists(), registryCache: registry() };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  writeResult('memory', result);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
