import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { StageName } from '@clearance/contracts';
import { pollUntil } from './poll';
import { freePort } from './ports';

const ROOT = join(__dirname, '..', '..', '..');

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  port?: number;
  /** Print the service's output (default: only when CLEARANCE_TEST_VERBOSE is set). */
  verbose?: boolean;
  /** Entry file relative to the repository root (default `services/<name>/src/main.ts`). */
  entry?: string;
  /** Extra node options before the entry (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /**
   * Runs the compiled JavaScript of a `npm run build` tree laid out under this directory (as the production image
   * does; see bench/compiled.support.ts) instead of the TypeScript through @swc-node/register.
   */
  compiledRoot?: string;
}

/** A Clearance service running as its own process, as in production. */
export class ServiceProcess {
  private exited?: Promise<number | null>;
  readonly output: string[] = [];

  constructor(
    readonly name: StageName,
    readonly port: number,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Waits until GET /health/ready answers 200. Generous: at load 20–30 a service took 60–85 s just to load its
   * modules (through @swc-node/register) and answer HTTP at all.
   */
  async waitReady(timeoutMs = 150_000): Promise<void> {
    let last = '';
    await pollUntil(
      async () => {
        if (!this.running) throw new Error(`${this.name} exited: ${this.output.slice(-5).join('')}`);
        const res = await fetch(`${this.baseUrl}/health/ready`);
        last = `${res.status} ${await res.text()}`;
        return res.status === 200;
      },
      { timeoutMs, intervalMs: 200, what: `${this.name} to be ready` },
    ).catch((err: unknown) => {
      // what the service said last is what the failure is about
      throw new Error(`${(err as Error).message}; last answer: ${last}`);
    });
  }

  /** SIGTERM, and the exit code once it exited. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited!;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: no chance to drain or commit. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async waitExit(): Promise<number | null> {
    return this.exited!;
  }
}

/** Starts `services/<name>/src/main.ts` with the test broker and database and the given environment. */
export async function spawnService(name: StageName, options: SpawnOptions = {}): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    // the shipped SDN list (2024-05-03) is older than the production bound of 30 days; tests that check
    // list ages set their own (docs/verification.md, "List age")
    SANCTIONS_MAX_AGE_DAYS: '3650',
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    // a killed test stage's partitions move to its successor within seconds, not the production 30 s
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    ...options.env,
  })) {
    if (v !== undefined) env[k] = v;
  }
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...(options.compiledRoot ? [] : ['-r', '@swc-node/register']),
      options.entry ??
        (options.compiledRoot
          ? join(options.compiledRoot, 'services', name, 'src', 'main.js')
          : join('services', name, 'src', 'main.ts')),
    ],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const proc = new ServiceProcess(name, port, child);
  // a test or benchmark that dies must not leave its services consuming in the background
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  const verbose = options.verbose ?? Boolean(process.env.CLEARANCE_TEST_VERBOSE);
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    proc.output.push(text);
    if (proc.output.length > 500) proc.output.shift();
    if (verbose) process.stderr.write(`[${name}] ${text}`);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return proc;
}
