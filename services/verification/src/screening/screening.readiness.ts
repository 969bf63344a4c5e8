import { Inject, Injectable } from '@nestjs/common';
import { ENV, type ReadinessCheck } from '@clearance/platform';
import type { VerificationEnv } from '../verification.env';
import { describeStale } from './list.freshness';
import { SanctionsScreener } from './sanctions.screener';

/**
 * Not ready while a denied-party list is older than SANCTIONS_MAX_AGE_DAYS: screening against it would miss newer
 * designations. The stage keeps consuming (each decision carries SCREENING_LIST_STALE), so the outage is visible
 * without stopping the pipeline.
 */
@Injectable()
export class ScreeningReadiness implements ReadinessCheck {
  readonly name = 'sanctions-lists';

  constructor(
    private readonly screener: SanctionsScreener,
    @Inject(ENV) private readonly env: VerificationEnv,
  ) {}

  check(): Promise<void> {
    const stale = this.screener.staleLists(new Date());
    if (stale.length > 0)
      return Promise.reject(
        new Error(`stale lists: ${describeStale(stale, this.env.SANCTIONS_MAX_AGE_DAYS)}`),
      );
    return Promise.resolve();
  }
}
