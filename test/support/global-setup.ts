import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const INFRA = join(ROOT, 'deploy', 'local', 'infra.sh');

/**
 * Starts the real broker and database for the integration tests (test profile: ports 19092 / 27018, fresh
 * data), unless KAFKA_BROKERS and MONGODB_URI point at running ones already.
 */
export default function globalSetup(): void {
  if (process.env.KAFKA_BROKERS && process.env.MONGODB_URI) return;
  execFileSync('bash', [INFRA, 'start', 'test'], { stdio: 'inherit' });
  process.env.CLEARANCE_TEST_INFRA_STARTED = '1';
  const env = execFileSync('bash', [INFRA, 'env', 'test'], { encoding: 'utf8' });
  for (const line of env.split('\n')) {
    const m = /^(?:export\s+)?([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) process.env[m[1]!] = m[2]!.replace(/^['"]|['"]$/g, '');
  }
}
