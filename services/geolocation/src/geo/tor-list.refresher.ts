import { rename, writeFile } from 'node:fs/promises';
import type { GeoDataStore, GeoLogger } from './geo-data.store';
import { parseTorList } from './sources/tor-list.parser';

export interface TorRefreshOptions {
  /** Where to fetch a bulk exit list (e.g. the Tor Project's `torbulkexitlist`). */
  url: string;
  /** The list file the store reads; the download replaces it atomically (write + rename). */
  path: string;
  intervalMs: number;
  timeoutMs: number;
}

/**
 * Fetches the Tor exit list on a schedule. Fail-safe: a failed download, an error status or a body that does not
 * parse as a non-empty list leaves the file and the list in use untouched.
 */
export class TorListRefresher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly store: GeoDataStore,
    private readonly options: TorRefreshOptions,
    private readonly logger: GeoLogger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One refresh; resolves true when a new list is in use. Never rejects. */
  refresh(): Promise<boolean> {
    this.running ??= this.fetchAndSwap().finally(() => (this.running = undefined));
    return this.running;
  }

  private async fetchAndSwap(): Promise<boolean> {
    let body: string;
    try {
      const res = await fetch(this.options.url, { signal: AbortSignal.timeout(this.options.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = await res.text();
      parseTorList(body);
    } catch (err) {
      this.logger.warn(`tor exit list refresh failed, keeping the list in use: ${(err as Error).message}`);
      return false;
    }
    const tmp = `${this.options.path}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, body);
      await rename(tmp, this.options.path);
    } catch (err) {
      this.logger.error(
        `tor exit list refresh could not write ${this.options.path}: ${(err as Error).message}`,
      );
      return false;
    }
    return this.store.reload('tor');
  }
}
