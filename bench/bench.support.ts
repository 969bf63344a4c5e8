import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
