import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ENV } from '@clearance/platform';
import type { VerificationEnv } from '../verification.env';
import { NameScreener, type ListVersion, type NameScreeningResult } from './name.screener';
import {
  defaultSources,
  loadSanctionsLists,
  sourcesFingerprint,
  type SanctionsSources,
} from './sanctions.files';

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
    const next = new NameScreener(lists, this.env.SCREENING_CACHE_SIZE);
    this.current = next;
    this.fingerprint = fingerprint;
    this.logger.log({ msg: 'sanctions lists loaded', lists: next.versions, names: next.indexedNames });
  }
}
