import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from './ports';

const run = promisify(execFile);
const INFRA = join(__dirname, '..', '..', '..', 'deploy', 'local', 'infra.sh');

/**
 * A broker and a database of one test's own (other ports, other data), for fault tests that stop and restart
 * them without disturbing the tests that share the suite's stack.
 */
export class PrivateInfra {
  private constructor(
    private readonly env: Record<string, string>,
    private readonly stateDir: string,
    readonly brokers: string,
    readonly mongoUri: string,
  ) {}

  static async start(): Promise<PrivateInfra> {
    // ports are free when picked, not reserved: another process may bind one before the broker does (then the
    // start fails with "Address already in use", and fresh ports are tried)
    for (let attempt = 1; ; attempt++) {
      const infra = await PrivateInfra.onFreePorts();
      try {
        await infra.cmd('start');
        return infra;
      } catch (err) {
        rmSync(infra.stateDir, { recursive: true, force: true });
        if (attempt >= 3 || !/address already in use/i.test(String((err as Error).message))) throw err;
      }
    }
  }

  private static async onFreePorts(): Promise<PrivateInfra> {
    const [kafka, controller, mongo, debug, secure] = await freePorts(5);
    const stateDir = mkdtempSync(join(tmpdir(), 'clearance-infra-'));
    const env = {
      CLEARANCE_STATE_DIR: stateDir,
      CLEARANCE_KAFKA_PORT: String(kafka),
      CLEARANCE_KAFKA_CONTROLLER_PORT: String(controller),
      CLEARANCE_MONGO_PORT: String(mongo),
      CLEARANCE_FERRET_DEBUG_PORT: String(debug),
      CLEARANCE_KAFKA_SECURE_PORT: String(secure),
    };
    return new PrivateInfra(env, stateDir, `127.0.0.1:${kafka}`, `mongodb://127.0.0.1:${mongo}/clearance`);
  }

  private async cmd(command: string): Promise<void> {
    await run('bash', [INFRA, command, 'test'], { env: { ...process.env, ...this.env }, timeout: 180_000 });
  }

  /**
   * SIGSTOP / SIGCONT of the broker process: it keeps its connections but answers nothing, so a request sent
   * meanwhile is applied (or not) only after the resume, possibly after its client gave up waiting.
   */
  pauseKafka = () => this.signalKafka('SIGSTOP');
  resumeKafka = () => this.signalKafka('SIGCONT');

  private signalKafka(signal: NodeJS.Signals): void {
    process.kill(Number(readFileSync(join(this.stateDir, 'test', 'kafka.pid'), 'utf8').trim()), signal);
  }

  stopKafka = () => this.cmd('stop-kafka');
  startKafka = () => this.cmd('start-kafka');
  stopMongo = () => this.cmd('stop-mongo');
  startMongo = () => this.cmd('start-mongo');

  async stop(): Promise<void> {
    await this.cmd('stop');
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
