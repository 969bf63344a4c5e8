import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ENV, ReloadingSnapshot } from '@clearance/platform';
import type { VerificationEnv } from '../verification.env';
import { describeStale, type StaleList } from './list.freshness';
import {
  DEFAULT_MAX_LIST_AGE_DAYS,
  NameScreener,
  type ListVersion,
  type NameScreeningResult,
} from './name.screener';
import { defaultSources, type SanctionsSources } from './sanctions-lists.loader';
import { buildListsInWorker } from './sanctions-lists.worker';

export function sourcesFromEnv(env: VerificationEnv): SanctionsSources {
  const defaults = defaultSources();
  const custom = env.SANCTIONS_SDN_PATH !== undefined;
  const csl = env.SANCTIONS_CSL_PATH ?? defaults.cslPath;
  return {
    sdnPath: env.SANCTIONS_SDN_PATH ?? defaults.sdnPath,
    // a custom SDN file comes with its own alt/add files or none: never mix it with the shipped aliases
    altPath: custom ? env.SANCTIONS_ALT_PATH : defaults.altPath,
    addPath: custom ? env.SANCTIONS_ADD_PATH : defaults.addPath,
    cslPath: csl === 'none' ? undefined : csl,
    sdnDate: env.SANCTIONS_SDN_DATE,
    cslDate: env.SANCTIONS_CSL_DATE,
  };
}

/**
 * The current denied-party lists. Loaded before the service is ready (no screening without lists); on a file
 * change a new screener is built beside the old one and swapped in, and a failed reload keeps the old one.
 */
@Injectable()
export class SanctionsScreener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SanctionsScreener.name);
  private readonly snapshot: ReloadingSnapshot<NameScreener>;

  constructor(@Inject(ENV) private readonly env: VerificationEnv) {
    const sources = sourcesFromEnv(env);
    this.snapshot = new ReloadingSnapshot({
      name: 'sanctions-lists',
      files: [sources.sdnPath, sources.altPath, sources.addPath, sources.cslPath].filter(
        (p): p is string => p !== undefined,
      ),
      load: async () =>
        new NameScreener(
          await buildListsInWorker(sources),
          env.SCREENING_CACHE_SIZE,
          env.SANCTIONS_MAX_AGE_DAYS,
        ),
      onSwap: (next) => this.loaded(next),
      onReject: (err) =>
        this.logger.error({ msg: 'sanctions list reload failed; keeping the loaded lists', err }),
      logger: this.logger,
    });
  }

  async onModuleInit(): Promise<void> {
    if (!(await this.snapshot.reload()))
      throw new Error(`sanctions lists not loaded: ${this.snapshot.lastError}`);
    this.snapshot.watch(this.env.SANCTIONS_RELOAD_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    this.snapshot.stop();
  }

  get versions(): ListVersion[] {
    return this.screener.versions;
  }

  screen(name: string): NameScreeningResult {
    return this.screener.screen(name);
  }

  /** Lists older than SANCTIONS_MAX_AGE_DAYS at `now` (none loaded yet: nothing to call stale). */
  staleLists(now: Date): StaleList[] {
    return this.snapshot.current?.staleLists(now) ?? [];
  }

  private get screener(): NameScreener {
    const current = this.snapshot.current;
    if (!current) throw new Error('sanctions lists not loaded');
    return current;
  }

  /** Reloads when a list file changed since it was last read (what the poller does every interval). */
  async reloadIfChanged(): Promise<void> {
    await this.snapshot.poll();
  }

  private loaded(next: NameScreener): void {
    this.logger.log({ msg: 'sanctions lists loaded', lists: next.versions, names: next.indexedNames });
    const stale = next.staleLists(new Date());
    if (stale.length > 0)
      this.logger.error({
        msg: 'sanctions lists are stale: every decision carries SCREENING_LIST_STALE until current lists are loaded',
        stale: describeStale(stale, this.env.SANCTIONS_MAX_AGE_DAYS),
      });
    if (this.env.SANCTIONS_MAX_AGE_DAYS > DEFAULT_MAX_LIST_AGE_DAYS)
      this.logger.warn({
        msg: `SANCTIONS_MAX_AGE_DAYS=${this.env.SANCTIONS_MAX_AGE_DAYS} accepts lists older than the production bound of ${DEFAULT_MAX_LIST_AGE_DAYS} days (development and tests only)`,
      });
  }
}
