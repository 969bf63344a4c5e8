import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ReadinessCheck } from '@clearance/platform';
import { SanctionsScreener } from '../screening/sanctions.screener';
import { RegistryCache } from './registry.cache';
import { SubjectRepository } from './subject.repository';

/** Ready when the registry answers (its indexes created), its cache is loaded and the denied-party lists are. */
@Injectable()
export class RegistryReadiness implements ReadinessCheck, OnApplicationBootstrap {
  readonly name = 'registry';
  private readonly logger = new Logger(RegistryReadiness.name);
  private indexesReady = false;

  constructor(
    private readonly repository: SubjectRepository,
    private readonly screener: SanctionsScreener,
    private readonly cache: RegistryCache,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureIndexes();
  }

  private async ensureIndexes(): Promise<void> {
    try {
      await this.repository.ensureIndexes();
      this.indexesReady = true;
    } catch (err) {
      this.logger.warn({ msg: 'registry indexes not created yet', err: (err as Error).message });
    }
  }

  async check(): Promise<void> {
    if (this.screener.versions.length === 0) throw new Error('sanctions lists not loaded');
    if (!this.indexesReady) await this.ensureIndexes();
    if (!this.indexesReady) throw new Error('registry indexes not created');
    await this.repository.ping();
    if (this.cache.enabled && !this.cache.fresh) {
      // a full read of a large registry outlasts a probe: start one (or join the running one), answer now
      void this.cache.refresh();
      throw new Error('registry cache not loaded (yet)');
    }
  }
}
