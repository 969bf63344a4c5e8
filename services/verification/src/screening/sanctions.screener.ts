import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ENV } from '@clearance/platform';
import type { VerificationEnv } from '../verification.env';
import { describeStale, type StaleList } from './list.freshness';
import {
  DEFAULT_MAX_LIST_AGE_DAYS,
  NameScreener,
  type ListVersion,
  type NameScreeningResult,
} from './name.screener';
import {
  defaultSources,
  loadSanctionsLists,
  sourcesFingerprint,
  type SanctionsSources,
} from './sanctions-lists.loader';

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
  private readonly sources: SanctionsSources;
  private current?: NameScreener;
  private fingerprint = '';
  private timer?: NodeJS.Timeout;
  private reloading = false;

  constructor(@Inject(ENV) private readonly env: VerificationEnv) {
    this.sources = sourcesFromEnv(env);
  }

  async onModuleInit(): Promise<void> {
    await this.reload();
    if (this.env.SANCTIONS_RELOAD_INTERVAL_MS > 0) {
      this.timer = setInterval(() => void this.reloadIfChanged(), this.env.SANCTIONS_RELOAD_INTERVAL_MS);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get versions(): ListVersion[] {
    return this.screener.versions;
  }

  screen(name: string): NameScreeningResult {
    return this.screener.screen(name);
  }

  /** Lists older than SANCTIONS_MAX_AGE_DAYS at `now` (none loaded yet: nothing to call stale). */
  staleLists(now: Date): StaleList[] {
    return this.current?.staleLists(now) ?? [];
  }

  private get screener(): NameScreener {
    if (!this.current) throw new Error('sanctions lists not loaded');
    return this.current;
  }

  async reloadIfChanged(): Promise<void> {
    if (this.reloading) return;
    this.reloading = true;
    try {
      if ((await sourcesFingerprint(this.sources)) !== this.fingerprint) await this.reload();
    } catch (err) {
      this.logger.error({
        msg: 'sanctions list reload failed; keeping the loaded lists',
        err: (err as Error).message,
      });
    } finally {
      this.reloading = false;
    }
  }

  private async reload(): Promise<void> {
    const fingerprint = await sourcesFingerprint(this.sources);
    const lists = await loadSanctionsLists(this.sources);
    const next = new NameScreener(lists, this.env.SCREENING_CACHE_SIZE, this.env.SANCTIONS_MAX_AGE_DAYS);
    this.current = next;
    this.fingerprint = fingerprint;
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
