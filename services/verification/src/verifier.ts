import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { deriveEnvelope, type AccessGeolocatedV1, type AccessVerifiedV1 } from '@clearance/contracts';
import { ENV } from '@clearance/platform';
import { RegistryCache } from './registry/registry.cache';
import { SubjectRepository } from './registry/subject.repository';
import { SanctionsScreener } from './screening/sanctions.screener';
import {
  buildVerificationSection,
  type EnrichmentRules,
  type RegistryRead,
} from './verification-section.builder';
import type { VerificationEnv } from './verification.env';

const DAY_MS = 86_400_000;

export function defaultCountriesOfConcern(): string[] {
  const file = join(__dirname, '..', 'data', 'countries-of-concern.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { countries: { code: string }[] }).countries.map(
    (c) => c.code,
  );
}

/** Reads the registry for one subject, retrying with backoff until `timeoutMs`; then `unavailable`. */
export async function readWithDeadline(
  read: () => Promise<Exclude<RegistryRead, { status: 'unavailable' }>>,
  timeoutMs: number,
  onError: (err: unknown, attempt: number) => void,
): Promise<RegistryRead> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      onError(err, attempt);
      const wait = Math.min(100 * 2 ** (attempt - 1), 1000);
      if (Date.now() + wait >= deadline) return { status: 'unavailable' };
      await delay(wait);
    }
  }
}

/** Adds the `verification` section to a geolocated request. */
@Injectable()
export class Verifier {
  private readonly logger = new Logger(Verifier.name);
  private readonly rules: EnrichmentRules;
  /** After a read gave up, requests try once only until then, so a down registry does not stall every message. */
  private fastFailUntil = 0;

  constructor(
    private readonly registry: SubjectRepository,
    private readonly screener: SanctionsScreener,
    @Inject(ENV) private readonly env: VerificationEnv,
    @Optional() private readonly cache?: RegistryCache,
  ) {
    this.rules = {
      countriesOfConcern: new Set(env.COUNTRIES_OF_CONCERN?.split(',') ?? defaultCountriesOfConcern()),
      staleAfterMs: env.REGISTRY_STALE_AFTER_DAYS * DAY_MS,
    };
  }

  async verify(event: AccessGeolocatedV1): Promise<AccessVerifiedV1> {
    const subject = event.request.subject;
    const read = await readWithDeadline(
      async () => {
        // the cache throws while it cannot vouch (not loaded, too old): retried, then `unavailable`
        if (this.cache?.enabled)
          return { status: 'ok', ...this.cache.lookup(subject.userId, subject.organizationId) };
        const user = await this.registry.findUser(subject.userId);
        const organizationId = user?.record.organizationId ?? subject.organizationId;
        const organization = organizationId ? await this.registry.findOrganization(organizationId) : null;
        return { status: 'ok', user, organization };
      },
      Date.now() < this.fastFailUntil ? 0 : this.env.REGISTRY_TIMEOUT_MS,
      (err, attempt) =>
        this.logger.warn({
          msg: 'registry read failed',
          requestId: event.requestId,
          attempt,
          err: (err as Error).message,
        }),
    );
    this.fastFailUntil = read.status === 'unavailable' ? Date.now() + this.env.REGISTRY_TIMEOUT_MS : 0;
    const now = new Date();
    return {
      ...event,
      ...deriveEnvelope(event, 'verification', 'verifiedAt', now),
      verification: buildVerificationSection(event, read, this.screener, this.rules, now),
    };
  }
}
