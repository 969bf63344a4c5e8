import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';

export const ROOT = join(__dirname, '..');

/** Uses KAFKA_BROKERS / MONGODB_URI when set, else starts the test-profile broker and database. */
export function ensureInfra(): { brokers: string; mongoUri: string } {
  if (!process.env.KAFKA_BROKERS || !process.env.MONGODB_URI) {
    const infra = join(ROOT, 'deploy', 'local', 'infra.sh');
    execFileSync('bash', [infra, 'start', 'test'], { stdio: 'inherit' });
    for (const line of execFileSync('bash', [infra, 'env', 'test'], { encoding: 'utf8' }).split('\n')) {
      const m = /^(?:export\s+)?([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) process.env[m[1]!] = m[2]!.replace(/^['"]|['"]$/g, '');
    }
  }
  return { brokers: process.env.KAFKA_BROKERS!, mongoUri: process.env.MONGODB_URI! };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarize(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
  };
}

/** Writes bench/results/<name>.json (committed: the numbers docs/performance.md quotes). */
export function writeResult(name: string, result: unknown): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.json`),
    `${JSON.stringify({ measuredAt: new Date().toISOString(), ...(result as object) }, null, 2)}\n`,
  );
}

export function rssMiB(pid: number): number {
  try {
    return Math.round(
      Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024,
    );
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds; NaN when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name, which may hold spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

/** Pids of the broker and the database the test profile of deploy/local/infra.sh started (when it did). */
export function infraPids(): Record<string, number> {
  const state = join(
    process.env.CLEARANCE_STATE_DIR ?? join(homedir(), '.cache', 'clearance', 'run'),
    'test',
  );
  const out: Record<string, number> = {};
  for (const [name, file] of [
    ['kafka', 'kafka.pid'],
    ['ferretdb', 'ferretdb.pid'],
  ] as const) {
    try {
      const pid = Number(readFileSync(join(state, file), 'utf8').trim());
      if (pid > 0 && !Number.isNaN(cpuMs(pid))) out[name] = pid;
    } catch {
      // not started by the test profile (KAFKA_BROKERS / MONGODB_URI point elsewhere)
    }
  }
  return out;
}

/** The machine a result was measured on, as written into every result file. */
export function machine(): { cores: number; loadAverage1mAtEnd: number } {
  return { cores: availableParallelism(), loadAverage1mAtEnd: loadAverage() };
}

export function loadAverage(): number {
  return +loadavg()[0]!.toFixed(1);
}

/** The storage fields of a seeded registry document, as the registry writes them. */
export function seedStamp(): { version: number; updatedAt: Date; updatedBy: string } {
  return { version: 1, updatedAt: new Date(), updatedBy: 'bench-seed' };
}

/** The `k`-th seeded organisation, as the registry stores it. */
export function registeredOrganizationDoc(
  k: number,
  stamp: ReturnType<typeof seedStamp>,
): Record<string, unknown> {
  return {
    organizationId: `bench-org-${k}`,
    legalName: `Bench Organisation ${k} Inc`,
    countryOfIncorporation: 'US',
    egressRanges: [],
    ...stamp,
  };
}

/** The `k`-th seeded user, verified at the stamp's time, in the `k`-th organisation. */
export function registeredUserDoc(k: number, stamp: ReturnType<typeof seedStamp>): Record<string, unknown> {
  return {
    userId: `bench-registered-${k}`,
    level: 'identity',
    residenceCountry: 'US',
    verifiedAt: stamp.updatedAt,
    organizationId: `bench-org-${k}`,
    ...stamp,
  };
}

/**
 * `n` users, each in an organisation of their own, written the way the registry stores them (raw inserts). A
 * database that already holds `n` is kept as it is (seeding 100,000 takes minutes under load); one holding some
 * other number is refused.
 */
export async function seedRegistry(uri: string, n: number): Promise<void> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const db = connection.db!;
    const have = await db.collection('verification_users').countDocuments();
    if (have === n) return;
    if (have > 0)
      throw new Error(`${uri} holds ${have} users, not ${n}: seed another database (rss.bench: --db)`);
    const started = Date.now();
    const meta = seedStamp();
    for (let i = 0; i < n; i += 5000) {
      const ids = Array.from({ length: Math.min(5000, n - i) }, (_, k) => i + k);
      await db.collection('verification_organizations').insertMany(
        ids.map((k) => registeredOrganizationDoc(k, meta)),
        { ordered: false },
      );
      await db.collection('verification_users').insertMany(
        ids.map((k) => registeredUserDoc(k, meta)),
        { ordered: false },
      );
    }
    process.stdout.write(`registry seeded: ${n} users + ${n} organisations in ${Date.now() - started} ms\n`);
  } finally {
    await connection.close();
  }
}
