/**
 * `npm start`: the broker, the database and the five services on this machine, on their default ports.
 * With KAFKA_BROKERS and MONGODB_URI set, nothing local is started and those are used. Ctrl-C stops everything.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { StageName } from '@clearance/contracts';
import { DEFAULT_PORTS } from '@clearance/platform';
import { type ServiceProcess, spawnService } from '@clearance/testing';

const ROOT = join(__dirname, '..');
const INFRA = join(ROOT, 'deploy', 'local', 'infra.sh');
const SERVICES: StageName[] = ['audit', 'decision', 'verification', 'geolocation', 'ingest'];

/** Development credentials, printed below; production configures its own (docs/operations.md). */
const DEV = {
  ingestKey: 'dev-key-change-me',
  adminToken: 'dev-admin-token',
  auditorToken: 'dev-auditor-token',
  kycSecret: 'dev-kyc-webhook-secret',
};

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function log(msg: string): void {
  process.stdout.write(`[clearance] ${msg}\n`);
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const host = process.env.HOST ?? '127.0.0.1';
  for (const name of SERVICES) {
    if (!(await portFree(DEFAULT_PORTS[name], host))) {
      log(
        `port ${DEFAULT_PORTS[name]} (${name}) is already in use: stop what runs there (another npm start?) and retry`,
      );
      process.exit(1);
    }
  }
  let ownInfra = false;
  if (!process.env.KAFKA_BROKERS || !process.env.MONGODB_URI) {
    try {
      execFileSync('bash', [INFRA, 'start', 'dev'], { stdio: 'inherit' });
    } catch {
      log(
        'the local broker or database did not start (see the [infra] lines above); nothing is left running',
      );
      process.exit(1);
    }
    ownInfra = true;
    for (const line of execFileSync('bash', [INFRA, 'env', 'dev'], { encoding: 'utf8' }).split('\n')) {
      const m = /^(?:export\s+)?([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) process.env[m[1]!] = m[2]!.replace(/^['"]|['"]$/g, '');
    }
  }

  const env = {
    NODE_ENV: 'development',
    SANCTIONS_MAX_AGE_DAYS: process.env.SANCTIONS_MAX_AGE_DAYS ?? '3650', // the shipped SDN list is of 2024-05-03
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    HOST: host,
    KAFKA_SESSION_TIMEOUT_MS: process.env.KAFKA_SESSION_TIMEOUT_MS ?? '8000',
    ADMIN_TOKENS: process.env.ADMIN_TOKENS ?? `dev-admin:${sha256(DEV.adminToken)}`,
    AUDITOR_TOKENS: process.env.AUDITOR_TOKENS ?? `dev-auditor:${sha256(DEV.auditorToken)}`,
    KYC_WEBHOOK_SECRET: process.env.KYC_WEBHOOK_SECRET ?? DEV.kycSecret,
    AUDIT_URL: process.env.AUDIT_URL ?? `http://127.0.0.1:${DEFAULT_PORTS.audit}`,
    AUDIT_TOKEN: process.env.AUDIT_TOKEN ?? DEV.auditorToken,
  };
  const running: ServiceProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping the services ...');
    await Promise.all(running.map((s) => s.stop(12_000)));
    if (ownInfra) {
      try {
        execFileSync('bash', [INFRA, 'stop', 'dev'], { stdio: 'inherit' });
      } catch {
        log('could not stop the local broker/database cleanly: run `npm run infra -- stop dev`');
      }
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  for (const name of SERVICES) {
    // a database per service, as in production: each owns its collections (and FerretDB's SQLite backend
    // serialises writers per database file)
    const mongo = ownInfra
      ? process.env.MONGODB_URI!.replace(/\/[^/]*$/, `/clearance_${name}`)
      : process.env.MONGODB_URI!;
    const svc = await spawnService(name, {
      port: DEFAULT_PORTS[name],
      env: { ...env, PORT: String(DEFAULT_PORTS[name]), MONGODB_URI: mongo },
      verbose: true,
    });
    running.push(svc);
    svc.child.once('exit', (code) => {
      if (!stopping) {
        log(`${name} exited (code ${code}); stopping everything`);
        void stopAll(1);
      }
    });
  }
  try {
    await Promise.all(running.map((s) => s.waitReady(120_000)));
  } catch (err) {
    log(`a service did not become ready: ${(err as Error).message}`);
    await stopAll(1);
    return;
  }

  const body = JSON.stringify({
    subject: { userId: 'user-42', name: 'Jane Example' },
    network: { ip: '24.48.0.1' },
    resource: { model: 'standard-chat', action: 'inference' },
  });
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s
  ingest        http://127.0.0.1:${DEFAULT_PORTS.ingest}   (OpenAPI: /docs)   API key: ${DEV.ingestKey}
  geolocation   http://127.0.0.1:${DEFAULT_PORTS.geolocation}
  verification  http://127.0.0.1:${DEFAULT_PORTS.verification}   admin token: ${DEV.adminToken}
  decision      http://127.0.0.1:${DEFAULT_PORTS.decision}
  audit         http://127.0.0.1:${DEFAULT_PORTS.audit}   auditor token: ${DEV.auditorToken}
  console       http://127.0.0.1:${DEFAULT_PORTS.audit}/console   (sign in with the auditor token above)

  Ask for a decision (waits up to 5 s for it):
    curl -s http://127.0.0.1:${DEFAULT_PORTS.ingest}/v1/access-requests \\
      -H 'Authorization: Bearer ${DEV.ingestKey}' -H 'Content-Type: application/json' -H 'Prefer: wait=5' \\
      -d '${body}'

  Development credentials only: configure real ones for anything else (docs/operations.md). Ctrl-C stops all.`);
}

void main();
