import { performance } from 'node:perf_hooks';
import {
  classValidatorErrors,
  parseEvent,
  Topics,
  validateEvent,
  type TopicName,
} from '@clearance/contracts';
import { aDecidedEvent, aGeolocatedEvent, aRequestedEvent, aVerifiedEvent } from '@clearance/testing';
import { summarize, writeResult } from './bench.support';

// Per-message cost of the consumer-side validation, one realistic event per topic a stage consumes; the
// class-validator reference (what validateEvent ran before the compiled validators) is timed in the same run.
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const WARMUP = 2_000;

const cases: { topic: TopicName; event: object }[] = [
  { topic: Topics.AccessRequested, event: aRequestedEvent() },
  { topic: Topics.AccessGeolocated, event: aGeolocatedEvent() },
  { topic: Topics.AccessVerified, event: aVerifiedEvent() },
  { topic: Topics.AccessDecided, event: aDecidedEvent() },
];

interface Timing {
  p50: number;
  p99: number;
  opsPerSec: number;
}

function measure(run: () => boolean): Timing {
  for (let i = 0; i < WARMUP; i++) if (!run()) throw new Error('event rejected');
  const samples = new Array<number>(ITERATIONS);
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    run();
    samples[i] = (performance.now() - t0) * 1000;
  }
  const elapsed = performance.now() - started;
  const s = summarize(samples);
  return { p50: round(s.p50), p99: round(s.p99), opsPerSec: Math.round(ITERATIONS / (elapsed / 1000)) };
}

const round = (n: number): number => Math.round(n * 10) / 10;
const fmt = (m: Timing): string => `p50 ${m.p50} µs  p99 ${m.p99} µs  ${m.opsPerSec} ops/s`;

const rows = cases.map(({ topic, event }) => {
  const bytes = Buffer.from(JSON.stringify(event));
  return {
    topic,
    bytes: bytes.length,
    classValidatorUs: measure(() => classValidatorErrors(topic, event).length === 0),
    validateEventUs: measure(() => validateEvent(topic, event).ok),
    parseEventUs: measure(() => parseEvent(topic, bytes).ok),
  };
});

for (const r of rows) {
  console.log(`${r.topic} (${r.bytes} B)`);
  console.log(`  class-validator  ${fmt(r.classValidatorUs)}`);
  console.log(`  validateEvent    ${fmt(r.validateEventUs)}`);
  console.log(`  parseEvent       ${fmt(r.parseEventUs)}`);
}
writeResult('validation', { iterations: ITERATIONS, node: process.version, rows });
