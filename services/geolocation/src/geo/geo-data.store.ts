import { ReloadingSnapshot, type SnapshotLogger } from '@clearance/platform';
import type { GeoDataConfig } from './geo-data.config';
import type { DataComponent, LoadedPart, SnapshotPart } from './sources/data.component';
import { dataComponents } from './sources/geo-data.sources';
import type { GeoSnapshot } from './geo.snapshot';

/** The few logger methods the engine needs, so it stays free of any framework. */
export type GeoLogger = SnapshotLogger;

const silent: GeoLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Holds the current GeoSnapshot and replaces it when a data file changes: each component is a ReloadingSnapshot
 * (the changed one is loaded in full first), then one reference to the composed snapshot is swapped. A failed
 * load keeps the previous data (and says so in the log), so a truncated or malformed file never switches a
 * signal off.
 */
export class GeoDataStore {
  private snapshot: GeoSnapshot;

  private constructor(
    private readonly components: readonly DataComponent[],
    private readonly parts: ReadonlyMap<string, ReloadingSnapshot<LoadedPart>>,
  ) {
    this.snapshot = this.compose(0);
  }

  static async open(config: GeoDataConfig, logger: GeoLogger = silent): Promise<GeoDataStore> {
    const components = dataComponents(config);
    // The components swap the store's snapshot once it exists (their first loads happen before it does).
    const opened: { store?: GeoDataStore } = {};
    const parts = new Map(
      components.map((c) => {
        const started = { at: 0 };
        const part: ReloadingSnapshot<LoadedPart> = new ReloadingSnapshot<LoadedPart>({
          name: `geo:${c.name}`,
          files: c.files,
          load: () => {
            started.at = performance.now();
            return c.load();
          },
          onSwap: () => {
            const store = opened.store;
            if (!store) return;
            store.snapshot = store.compose(store.snapshot.generation + 1);
            logger.log(
              `reloaded ${c.name} in ${Math.round(performance.now() - started.at)} ms (generation ${store.snapshot.generation})`,
            );
          },
          onReject: (error) => logger.error(`reload of ${c.name} failed, keeping the data in use: ${error}`),
          logger,
        });
        return [c.name, part] as const;
      }),
    );
    await Promise.all(
      [...parts.values()].map(async (part) => {
        if (!(await part.reload())) throw new Error(part.lastError);
      }),
    );
    opened.store = new GeoDataStore(components, parts);
    return opened.store;
  }

  /** The snapshot to use for one whole request: read it once, use it throughout. */
  get current(): GeoSnapshot {
    return this.snapshot;
  }

  /** Reloads that failed since start (the data in use stayed the previous one). */
  get failedReloads(): number {
    let failures = 0;
    for (const part of this.parts.values()) failures += part.failedReloads;
    return failures;
  }

  /** Files the store reads, by component. */
  get files(): Record<string, readonly string[]> {
    return Object.fromEntries(this.components.map((c) => [c.name, c.files]));
  }

  /** Reloads one component (by name) and swaps the snapshot; resolves true when the new data is in use. */
  reload(name: string): Promise<boolean> {
    const part = this.parts.get(name);
    if (!part) return Promise.reject(new Error(`no data component ${name}`));
    return part.reload();
  }

  /** Polls every data file (stat, no inotify: works on every filesystem) and reloads what changed. */
  watch(intervalMs: number): void {
    for (const part of this.parts.values()) part.watch(intervalMs);
  }

  close(): void {
    for (const part of this.parts.values()) part.stop();
  }

  private compose(generation: number): GeoSnapshot {
    const merged: SnapshotPart = {};
    for (const c of this.components) Object.assign(merged, this.parts.get(c.name)!.current!.part);
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
      datasets: Object.freeze(this.components.flatMap((c) => this.parts.get(c.name)!.current!.datasets)),
      generation,
    };
    return Object.freeze(snapshot);
  }
}
