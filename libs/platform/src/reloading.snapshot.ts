import { type Stats, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Counter, Gauge } from 'prom-client';
import { registeredMetric } from '@clearance/kafka';
import type { ReadinessCheck } from './readiness';

/** The few logger methods a snapshot needs, so pure engines (geo data) can use it without NestJS. */
export interface SnapshotLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const silent: SnapshotLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

export interface ReloadingSnapshotOptions<T> {
  /** Names the data in logs, metrics and readiness (`policy:active`, `geo:tor`, `sanctions-lists`). */
  name: string;
  /** The files whose change means reload (watched from the start, loaded or not). */
  files: readonly string[];
  /** The files to watch once a value is loaded, when the value names them (a policy's imports). */
  filesOf?: (value: T) => readonly string[];
  /** Reads and checks the data in full; throws when it is not usable. */
  load: () => T | Promise<T>;
  /** True when a newly loaded value is the one in use (nothing is swapped then). */
  same?: (a: T, b: T) => boolean;
  /** Called after every swap, with the value replaced (undefined on the first load). */
  onSwap?: (next: T, previous: T | undefined) => void;
  /**
   * Says why a load (or a swap) failed, in the caller's words, with the value kept in use (undefined: none);
   * without it the logger logs one error line.
   */
  onReject?: (error: string, kept: T | undefined) => void;
  logger?: SnapshotLogger;
}

const reloads = registeredMetric(Counter, {
  name: 'clearance_snapshot_reloads_total',
  help: 'Reloads of hot-reloaded data by snapshot and result (loaded, unchanged, rejected)',
  labelNames: ['snapshot', 'result'],
});
const loadedGauge = registeredMetric(Gauge, {
  name: 'clearance_snapshot_loaded',
  help: 'Whether a snapshot holds a value (1) or none was ever loaded (0: not ready)',
  labelNames: ['snapshot'],
});

/**
 * Data read from files and kept current: `.current` is one complete value, replaced by one assignment after a
 * reload loaded and checked the new one in full. A failed reload keeps the last good value and says why; with no
 * value ever loaded the snapshot is not ready (fail closed). Files are polled with stat (no inotify: works on
 * every filesystem); reloads run one at a time.
 */
export class ReloadingSnapshot<T> implements ReadinessCheck {
  readonly name: string;
  private value?: T;
  private error?: string;
  private failures = 0;
  private files: readonly string[];
  /** What each watched file looked like when last seen (`mtime|size|inode`, or null when it was missing). */
  private readonly seen = new Map<string, string | null>();
  private queue: Promise<unknown> = Promise.resolve();
  private poller?: NodeJS.Timeout;
  private readonly logger: SnapshotLogger;

  constructor(private readonly options: ReloadingSnapshotOptions<T>) {
    this.name = options.name;
    this.logger = options.logger ?? silent;
    this.files = options.files;
    loadedGauge.set({ snapshot: this.name }, 0);
  }

  /** The value in use, or undefined when none was ever loaded. Read it once per unit of work. */
  get current(): T | undefined {
    return this.value;
  }

  /** Why the last load failed (cleared by a successful one). */
  get lastError(): string | undefined {
    return this.error;
  }

  /** Reloads that failed since start (the value in use stayed the previous one). */
  get failedReloads(): number {
    return this.failures;
  }

  /** The files watched now. */
  get watchedFiles(): readonly string[] {
    return this.files;
  }

  check(): Promise<void> {
    if (this.value !== undefined) return Promise.resolve();
    return Promise.reject(new Error(`${this.name} not loaded: ${this.error ?? 'not loaded yet'}`));
  }

  /** Loads now, after any reload in progress; resolves true when a new value is in use. */
  reload(): Promise<boolean> {
    const run = this.queue.then(async () => {
      const seen = this.look();
      let next: T;
      try {
        next = await this.options.load();
      } catch (err) {
        return this.reject(err);
      }
      return this.accept(next, seen);
    });
    this.queue = run;
    return run;
  }

  /** `reload` for a synchronous load function, answered at once (the policy compiler is synchronous). */
  reloadSync(): boolean {
    const seen = this.look();
    let next: T | Promise<T>;
    try {
      next = this.options.load();
    } catch (err) {
      return this.reject(err);
    }
    if (next instanceof Promise) throw new Error(`${this.name}: reloadSync needs a synchronous load`);
    return this.accept(next, seen);
  }

  /**
   * Polls the files every `intervalMs` and reloads when one changed. What a file looks like is taken now,
   * synchronously, so a replacement right after this call is noticed too.
   */
  watch(intervalMs: number): void {
    if (this.poller || intervalMs <= 0) return;
    for (const file of this.files) if (!this.seen.has(file)) this.seen.set(file, statKeySync(file));
    let polling = false;
    this.poller = setInterval(() => {
      if (polling) return;
      polling = true;
      void this.poll().finally(() => (polling = false));
    }, intervalMs);
    this.poller.unref();
  }

  /** One poll: reloads when a watched file changed; a file that disappeared keeps the value in use. */
  async poll(): Promise<boolean> {
    let changed = false;
    for (const file of this.files) {
      const now = await stat(file).then(statKey, () => null);
      if (now === this.seen.get(file)) continue;
      this.seen.set(file, now);
      if (now === null) this.logger.warn(`${file} disappeared, keeping the ${this.name} data in use`);
      else changed = true;
    }
    return changed ? this.reload() : false;
  }

  stop(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }

  /** The files as they look before a load: a change made while it reads them is still noticed after. */
  private look(): Map<string, string | null> {
    return new Map(this.files.map((file) => [file, statKeySync(file)]));
  }

  private accept(next: T, seen: Map<string, string | null>): boolean {
    const previous = this.value;
    for (const [file, key] of seen) this.seen.set(file, key);
    if (this.options.filesOf) this.watchOnly(this.options.filesOf(next));
    this.error = undefined;
    if (previous !== undefined && this.options.same?.(previous, next)) {
      reloads.inc({ snapshot: this.name, result: 'unchanged' });
      return false;
    }
    this.value = next;
    try {
      this.options.onSwap?.(next, previous);
    } catch (err) {
      // its user could not take the new value (e.g. an index built from it failed): the previous one stays
      this.value = previous;
      return this.reject(err);
    }
    reloads.inc({ snapshot: this.name, result: 'loaded' });
    loadedGauge.set({ snapshot: this.name }, 1);
    return true;
  }

  private reject(err: unknown): false {
    this.error = err instanceof Error ? err.message : String(err);
    this.failures++;
    reloads.inc({ snapshot: this.name, result: 'rejected' });
    if (this.options.onReject) this.options.onReject(this.error, this.value);
    else
      this.logger.error(
        `${this.name} reload failed, ${this.value === undefined ? 'nothing loaded' : 'keeping the data in use'}: ${this.error}`,
      );
    return false;
  }

  private watchOnly(files: readonly string[]): void {
    for (const file of this.seen.keys()) if (!files.includes(file)) this.seen.delete(file);
    for (const file of files) if (!this.seen.has(file)) this.seen.set(file, statKeySync(file));
    this.files = files;
  }
}

function statKey(st: Stats): string {
  return `${st.mtimeMs}|${st.size}|${st.ino}`;
}

function statKeySync(file: string): string | null {
  try {
    return statKey(statSync(file));
  } catch {
    return null;
  }
}
