/**
 * Screening benchmark: uncached latency against the full shipped SDN list (+ CSL sample), cached throughput,
 * and recall per perturbation kind / false positives on the independent quality set.
 * Latency is wall-clock and, because this machine is shared, also the CPU time of this process per query
 * (what the query costs, whatever else runs).
 * Run: node -r @swc-node/register bench/screening.bench.ts
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { NameScreener } from '../services/verification/src/screening/name.screener';
import {
  defaultSources,
  loadSanctionsLists,
} from '../services/verification/src/screening/sanctions-lists.loader';
import {
  evaluateQuality,
  generateQualitySet,
} from '../services/verification/src/screening/quality/screening.quality';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  let t = performance.now();
  const lists = await loadSanctionsLists(defaultSources());
  const loadMs = performance.now() - t;
  t = performance.now();
  const screener = new NameScreener(lists);
  const indexMs = performance.now() - t;
  const set = generateQualitySet(lists);
  const queries = [...set.listed.map((c) => c.query), ...set.clean];

  for (const q of queries.slice(0, 300)) screener.screenUncached(q); // warm-up (JIT)
  const load = loadavg()[0];
  const times: number[] = [];
  const cpu: number[] = [];
  for (const q of queries) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    screener.screenUncached(q);
    times.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);

  for (const q of queries) screener.screen(q);
  const cachedOps = 1_000_000;
  const start = performance.now();
  for (let i = 0; i < cachedOps; i++) screener.screen(queries[i % queries.length]!);
  const cachedPerSec = cachedOps / ((performance.now() - start) / 1000);

  const quality = evaluateQuality(screener, set);
  const out = {
    lists: screener.versions,
    indexedNames: screener.indexedNames,
    loadMs: Math.round(loadMs),
    indexBuildMs: Math.round(indexMs),
    loadAverage1m: +load.toFixed(2),
    uncached: {
      queries: times.length,
      p50Ms: +percentile(times, 50).toFixed(3),
      p90Ms: +percentile(times, 90).toFixed(3),
      p99Ms: +percentile(times, 99).toFixed(3),
      maxMs: +times[times.length - 1]!.toFixed(3),
      cpuP50Ms: +percentile(cpu, 50).toFixed(3),
      cpuP99Ms: +percentile(cpu, 99).toFixed(3),
    },
    cachedOpsPerSec: Math.round(cachedPerSec),
    quality: {
      listedCases: quality.listedCases,
      recallAtPotentialMatch: +quality.recall.toFixed(4),
      recallByKind: quality.recallByKind,
      cleanNames: quality.cleanCases,
      falsePositiveRate: +quality.falsePositiveRate.toFixed(4),
      falsePositives: quality.falsePositives,
      misses: quality.misses,
      commonNamesDroppedAsListed: quality.droppedAsListed,
    },
  };
  console.log(JSON.stringify(out, null, 2));
}

void main();
