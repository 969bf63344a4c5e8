import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function globalTeardown(): void {
  if (process.env.CLEARANCE_TEST_INFRA_STARTED !== '1' || process.env.CLEARANCE_KEEP_INFRA) return;
  execFileSync('bash', [join(__dirname, '..', '..', 'deploy', 'local', 'infra.sh'), 'stop', 'test'], {
    stdio: 'inherit',
  });
}
