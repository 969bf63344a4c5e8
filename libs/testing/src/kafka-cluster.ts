import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from './ports';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', '..', '..', 'deploy', 'local', 'kafka-cluster.sh');

/**
 * Three Kafka brokers of one test's own (deploy/local/kafka-cluster.sh: replication factor 3,
 * min.insync.replicas=2), on free ports and a fresh state directory, for tests that kill a broker.
 */
export class KafkaCluster {
  private constructor(
    private readonly env: Record<string, string>,
    private readonly stateDir: string,
    readonly brokers: string,
  ) {}

  static async start(): Promise<KafkaCluster> {
    const ports = await freePorts(6);
    const stateDir = mkdtempSync(join(tmpdir(), 'clearance-cluster-'));
    const cluster = new KafkaCluster(
      {
        CLEARANCE_STATE_DIR: stateDir,
        CLEARANCE_CLUSTER_PORTS: ports.slice(0, 3).join(','),
        CLEARANCE_CLUSTER_CONTROLLER_PORTS: ports.slice(3).join(','),
      },
      stateDir,
      ports
        .slice(0, 3)
        .map((p) => `127.0.0.1:${p}`)
        .join(','),
    );
    await cluster.cmd('start');
    return cluster;
  }

  /** SIGKILL of one broker (1–3): no shutdown, no leadership hand-over. */
  killBroker(node: 1 | 2 | 3): Promise<void> {
    return this.cmd('kill-broker', String(node));
  }

  startBroker(node: 1 | 2 | 3): Promise<void> {
    return this.cmd('start-broker', String(node));
  }

  async stop(): Promise<void> {
    await this.cmd('stop');
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  private async cmd(...args: string[]): Promise<void> {
    await run('bash', [SCRIPT, ...args], { env: { ...process.env, ...this.env }, timeout: 400_000 });
  }
}
