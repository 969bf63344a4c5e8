/**
 * `npm run test:schemathesis`: Schemathesis (`--checks all`) against the OpenAPI documents of ingest,
 * verification and audit, each running as its own process on the test broker and database. Installs its own
 * Schemathesis into a virtualenv under ~/.cache/clearance on first use (PyPI). Exit code 0 only when every
 * service passed every check: no server error, every status and body as its document says.
 *
 * SCHEMATHESIS_MAX_EXAMPLES (default 30) sets the examples per operation. scripts/schemathesis.hooks.py holds the
 * rules an OpenAPI document cannot say. Not part of `npm test` (about 4–5 minutes, and PyPI): docs/api.md says why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { StageName } from '@clearance/contracts';
import { type ServiceProcess, spawnService } from '@clearance/testing';

const ROOT = join(__dirname, '..');
const INFRA = join(ROOT, 'deploy', 'local', 'infra.sh');
const SCHEMATHESIS = 'schemathesis>=4.0,<5';
const VENV = join(homedir(), '.cache', 'clearance', 'schemathesis-venv');
/** The rules a document cannot say (a range's order, a server-issued cursor): scripts/schemathesis.hooks.py. */
const HOOKS = join(__dirname, 'schemathesis.hooks.py');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function log(msg: string): void {
  process.stdout.write(`[schemathesis] ${msg}\n`);
}

function ensureSchemathesis(): string {
  const st = join(VENV, 'bin', 'st');
  if (!existsSync(st)) {
    log(`installing ${SCHEMATHESIS} into ${VENV}`);
    mkdirSync(join(VENV, '..'), { recursive: true });
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(join(VENV, 'bin', 'pip'), ['install', '--quiet', SCHEMATHESIS], { stdio: 'inherit' });
  }
  return st;
}

function ensureInfra(): void {
  if (process.env.KAFKA_BROKERS && process.env.MONGODB_URI) return;
  execFileSync('bash', [INFRA, 'start', 'test'], { stdio: 'inherit' });
  const env = execFileSync('bash', [INFRA, 'env', 'test'], { encoding: 'utf8' });
  for (const line of env.split('\n')) {
    const m = /^(?:export\s+)?([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) process.env[m[1]!] = m[2]!.replace(/^['"]|['"]$/g, '');
  }
}

async function main(): Promise<void> {
  const st = ensureSchemathesis();
  ensureInfra();
  const prefix = `st-${randomUUID().slice(0, 8)}-`;
  const mongo = new URL(process.env.MONGODB_URI!);
  const creds = {
    ingest: `key-${randomUUID()}`,
    admin: `adm-${randomUUID()}`,
    auditor: `aud-${randomUUID()}`,
  };
  const targets: { name: StageName; token: string; env: Record<string, string> }[] = [
    {
      name: 'ingest',
      token: creds.ingest,
      env: {
        INGEST_API_KEYS: `schemathesis:${sha256(creds.ingest)}`,
        INGEST_RATE_LIMIT: '1000000',
        INGEST_ADDRESS_RATE_LIMIT: '1000000',
      },
    },
    {
      name: 'verification',
      token: creds.admin,
      env: { ADMIN_TOKENS: `schemathesis:${sha256(creds.admin)}`, KYC_WEBHOOK_SECRET: `wh-${randomUUID()}` },
    },
    { name: 'audit', token: creds.auditor, env: { AUDITOR_TOKENS: `schemathesis:${sha256(creds.auditor)}` } },
  ];
  const failed: string[] = [];
  for (const target of targets) {
    mongo.pathname = `/st_${target.name}_${randomUUID().slice(0, 8)}`;
    const svc: ServiceProcess = await spawnService(target.name, {
      env: {
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_GROUP_ID: `${prefix}${target.name}`,
        MONGODB_URI: mongo.toString(),
        ...target.env,
      },
    });
    try {
      await svc.waitReady(120_000);
      log(`${target.name}: ${svc.baseUrl}/docs/openapi.json`);
      const res = spawnSync(
        st,
        [
          'run',
          `${svc.baseUrl}/docs/openapi.json`,
          '--checks',
          'all',
          '--header',
          `Authorization: Bearer ${target.token}`,
          '--max-examples',
          process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '30',
          '--workers',
          '2',
        ],
        { stdio: 'inherit', env: { ...process.env, SCHEMATHESIS_HOOKS: HOOKS } },
      );
      if (res.status !== 0) failed.push(target.name);
    } finally {
      await svc.stop();
    }
  }
  if (failed.length > 0) {
    log(`FAILED: ${failed.join(', ')}`);
    process.exit(1);
  }
  log('all services passed');
}

void main().catch((err: unknown) => {
  log(`error: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
