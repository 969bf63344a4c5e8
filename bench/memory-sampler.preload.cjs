// Loaded into each service by `pipeline.bench.ts` (node -r): once a second appends one NDJSON line to
// $CLEARANCE_MEMORY_SAMPLES with where the process's RSS is (process.memoryUsage, V8's heap spaces) and the GC time
// so far, so the bench can tell live heap from garbage V8 keeps and from memory outside the heap. Appended line by
// line because NestJS ends a SIGTERMed process by re-raising the signal: nothing written at exit would arrive.
'use strict';
const { appendFileSync } = require('node:fs');
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');

const target = process.env.CLEARANCE_MEMORY_SAMPLES;
if (target) {
  const MiB = 1024 * 1024;
  const round = (bytes) => Math.round((bytes / MiB) * 10) / 10;
  const gcMs = { minor: 0, major: 0, incremental: 0, weakcb: 0 };
  const gcCount = { minor: 0, major: 0, incremental: 0, weakcb: 0 };
  // heap used just after each full (mark-compact) GC: what was live then, garbage excluded; the highest since the
  // last sample is reported, so the bench can tell the live peak from the heap V8 let grow
  let liveAfterMajor = 0;
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = kinds[e.detail?.kind] ?? 'minor';
      gcMs[kind] += e.duration;
      gcCount[kind]++;
      if (kind === 'major') liveAfterMajor = Math.max(liveAfterMajor, v8.getHeapStatistics().used_heap_size);
    }
  }).observe({ entryTypes: ['gc'] });
  const limit = round(v8.getHeapStatistics().heap_size_limit);
  const sample = () => {
    const m = process.memoryUsage();
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics())
      if (s.space_size > 0)
        spaces[s.space_name.replace(/_space$/, '')] = {
          size: round(s.space_size),
          used: round(s.space_used_size),
        };
    const line = {
      t: Date.now(),
      rss: round(m.rss),
      heapTotal: round(m.heapTotal),
      heapUsed: round(m.heapUsed),
      external: round(m.external),
      arrayBuffers: round(m.arrayBuffers),
      heapLimit: limit,
      liveAfterMajorGc: round(liveAfterMajor),
      spaces,
      gcMs: Object.fromEntries(Object.entries(gcMs).map(([k, v]) => [k, Math.round(v)])),
      gcCount: { ...gcCount },
    };
    liveAfterMajor = 0;
    try {
      appendFileSync(target, `${JSON.stringify(line)}\n`);
    } catch {
      // the bench's directory is gone: nothing to report to
    }
  };
  setInterval(sample, 1000).unref();
}
