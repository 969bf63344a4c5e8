/**
 * Sums a V8 CPU profile's self time by cause, for docs/performance.md:
 *   node -r @swc-node/register bench/profile.summary.ts <dir-or-.cpuprofile>... [--requests=N]
 * With --requests, also CPU µs per request (the profile covers exactly the measured phases).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const RULES: [string, (fn: string, url: string) => boolean][] = [
  ['idle', (fn) => fn === '(idle)'],
  // the inspector call that started the profile (bench/cpu-profile.preload.cjs): the profiler's own cost
  ['profiler itself', (fn, u) => (fn === 'dispatch' && u === '') || u === 'node:inspector'],
  ['GC', (fn) => fn === '(garbage collector)'],
  ['program (native, unattributed)', (fn) => fn === '(program)'],
  ['kafkajs encode/decode + protocol', (_, u) => u.includes('/kafkajs/')],
  [
    'logging (pino, nestjs-pino)',
    (_, u) => /\/(pino|pino-http|nestjs-pino|pino-std-serializers|sonic-boom)\//.test(u),
  ],
  [
    'validation (ajv, class-validator)',
    (_, u) => /\/(ajv|class-validator|class-transformer)\/|contracts\/src\/(validation|schema)/.test(u),
  ],
  ['mongoose / driver / bson', (_, u) => /\/(mongoose|mongodb|bson|mquery)\//.test(u)],
  [
    'HTTP (fastify, node http)',
    (_, u) =>
      /\/(fastify|@fastify|find-my-way|light-my-request|avvio|@nestjs\/platform-fastify|autocannon)\/|node:_http|node:http|_http_/.test(
        u,
      ),
  ],
  ['JSON parse/stringify', (fn, u) => u === '' && /^(parse|stringify|JSONParse|JSONStringify)$/.test(fn)],
  ['policy', (_, u) => /libs\/policy\/|services\/decision\//.test(u)],
  ['screening', (_, u) => u.includes('verification/src/screening')],
  ['geolocation lookups', (_, u) => /geolocation\/src\/geo|\/maxmind\/|\/mmdb-lib\//.test(u)],
  ['Clearance transport (libs/kafka)', (_, u) => u.includes('libs/kafka/')],
  ['other Clearance code', (_, u) => /\/(libs|services)\//.test(u) && !u.includes('node_modules')],
  ['NestJS core, rxjs, prom-client', (_, u) => /\/(@nestjs|rxjs|prom-client|@opentelemetry)\//.test(u)],
  ['node internals (net, streams, timers, crypto, promises)', (_, u) => u.startsWith('node:') || u === ''],
];

function classify(fn: string, url: string): string {
  for (const [name, test] of RULES) if (test(fn, url)) return name;
  return 'other npm packages';
}

export function summarizeProfile(p: Profile): { totalMs: number; byCause: Record<string, number> } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const byCause: Record<string, number> = {};
  for (const [id, us] of selfUs) {
    const { functionName, url } = byId.get(id)!.callFrame;
    const cause = classify(functionName, url);
    byCause[cause] = (byCause[cause] ?? 0) + us / 1000;
  }
  return { totalMs: (p.endTime - p.startTime) / 1000, byCause };
}

function main(): void {
  const args = process.argv.slice(2);
  const requests = Number(/--requests=(\d+)/.exec(args.join(' '))?.[1] ?? NaN);
  const files = args
    .filter((a) => !a.startsWith('--'))
    .flatMap((a) =>
      statSync(a).isDirectory()
        ? readdirSync(a)
            .filter((f) => f.endsWith('.cpuprofile'))
            .map((f) => join(a, f))
        : [a],
    );
  for (const file of files) {
    const { totalMs, byCause } = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile);
    const busy = totalMs - (byCause['idle'] ?? 0) - (byCause['profiler itself'] ?? 0);
    process.stdout.write(
      `\n${basename(file)}: ${(totalMs / 1000).toFixed(1)} s profiled, busy ${(busy / 1000).toFixed(1)} s\n`,
    );
    for (const [cause, ms] of Object.entries(byCause).sort((a, b) => b[1] - a[1])) {
      if (cause === 'idle' || cause === 'profiler itself') continue;
      const perReq = Number.isNaN(requests) ? '' : ` ${((ms * 1000) / requests).toFixed(0)} µs/request`;
      process.stdout.write(
        `  ${cause.padEnd(56)} ${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)} %${perReq}\n`,
      );
    }
  }
}

if (require.main === module) main();
