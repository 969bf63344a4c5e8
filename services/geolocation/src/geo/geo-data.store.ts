import { type Stats, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { GeoDataConfig } from './geo-data.config';
import { dataComponents, type DataComponent, type LoadedPart, type SnapshotPart } from './geo-data.sources';
import type { GeoSnapshot } from './geo.snapshot';

/** The few logger methods the engine needs, so it stays free of any framework. */
export interface GeoLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const silent: GeoLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Holds the current GeoSnapshot and replaces it when a data file changes: the changed component is loaded in
 * full first, then one reference is swapped. A failed load keeps the previous data (and says so in the log),
 * so a truncated or malformed file never switches a signal off.
 */
export class GeoDataStore {
  private snapshot: GeoSnapshot;
  /** What each watched file looked like when last seen (`mtime|size|inode`, or null when it was missing). */
  private readonly seen = new Map<string, string | null>();
  private poller?: NodeJS.Timeout;
  private queue: Promise<unknown> = Promise.resolve();
  private failures = 0;

  private constructor(
    private readonly components: readonly DataComponent[],
    private readonly parts: Map<string, LoadedPart>,
    private readonly logger: GeoLogger,
  ) {
    this.snapshot = this.compose(0);
  }

  static async open(config: GeoDataConfig, logger: GeoLogger = silent): Promise<GeoDataStore> {
    const components = dataComponents(config);
    const loaded = await Promise.all(components.map(async (c) => [c.name, await c.load()] as const));
    return new GeoDataStore(components, new Map(loaded), logger);
  }

  /** The snapshot to use for one whole request: read it once, use it throughout. */
  get current(): GeoSnapshot {
    return this.snapshot;
  }

  /** Reloads that failed since start (the data in use stayed the previous one). */
  get failedReloads(): number {
    return this.failures;
  }

  /** Files the store reads, by component. */
  get files(): Record<string, readonly string[]> {
    return Object.fromEntries(this.components.map((c) => [c.name, c.files]));
  }

  /**
   * Reloads one component (by name) and swaps the snapshot; resolves true when the new data is in use.
   * Reloads run one at a time so two changes in a row cannot interleave.
   */
  reload(name: string): Promise<boolean> {
    const component = this.components.find((c) => c.name === name);
    if (!component) return Promise.reject(new Error(`no data component ${name}`));
    const run = this.queue.then(async () => {
      const started = performance.now();
      try {
        this.parts.set(name, await component.load());
      } catch (err) {
        this.failures++;
        this.logger.error(`reload of ${name} failed, keeping the data in use: ${(err as Error).message}`);
        return false;
      }
      this.snapshot = this.compose(this.snapshot.generation + 1);
      this.logger.log(
        `reloaded ${name} in ${Math.round(performance.now() - started)} ms (generation ${this.snapshot.generation})`,
      );
      return true;
    });
    this.queue = run;
    return run;
  }

  /**
   * Polls every data file (stat, no inotify: works on every filesystem) and reloads what changed. What a file
   * looks like is taken now, synchronously, so a replacement right after this call is noticed too.
   */
  watch(intervalMs: number): void {
    if (this.poller) return;
    for (const c of this.components) for (const file of c.files) this.seen.set(file, statKeySync(file));
    let polling = false;
    this.poller = setInterval(() => {
      if (polling) return;
      polling = true;
      void this.poll().finally(() => (polling = false));
    }, intervalMs);
    this.poller.unref();
  }

  private async poll(): Promise<void> {
    for (const component of this.components) {
      let changed = false;
      for (const file of component.files) {
        const now = await stat(file).then(statKey, () => null);
        if (now === this.seen.get(file)) continue;
        this.seen.set(file, now);
        if (now === null) this.logger.warn(`${file} disappeared, keeping the data in use`);
        else changed = true;
      }
      if (changed) void this.reload(component.name);
    }
  }

  close(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }

  private compose(generation: number): GeoSnapshot {
    const merged: SnapshotPart = {};
    for (const c of this.components) Object.assign(merged, this.parts.get(c.name)!.part);
    const missing = (what: string): never => {
      throw new Error(`geo data: no component provided ${what}`);
    };
    // An object literal of one fixed shape: the lookup path reads these fields millions of times a second,
    // and a snapshot built by Object.assign would be a slow dictionary-mode object.
    const snapshot: GeoSnapshot = {
      city: merged.city ?? missing('city'),
      cityDatasetName: merged.cityDatasetName ?? missing('cityDatasetName'),
      asn: merged.asn ?? missing('asn'),
      anonymousIp: merged.anonymousIp,
      tor: merged.tor ?? missing('tor'),
      networkClasses: merged.networkClasses ?? missing('networkClasses'),
      vpnList: merged.vpnList ?? missing('vpnList'),
      datacenterList: merged.datacenterList ?? missing('datacenterList'),
      vpnRanges: merged.vpnRanges ?? missing('vpnRanges'),
      proxyRanges: merged.proxyRanges ?? missing('proxyRanges'),
      operatorLists: merged.operatorLists ?? missing('operatorLists'),
      datasets: Object.freeze(this.components.flatMap((c) => this.parts.get(c.name)!.datasets)),
      generation,
    };
    return Object.freeze(snapshot);
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
