import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhenResult,
  noJitterGenerator,
  retry,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { deriveEnvelope, type AccessGeolocatedV1, type AccessVerifiedV1 } from '@clearance/contracts';
import { within } from '@clearance/kafka';
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

const backoff = new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000, generator: noJitterGenerator });
const retryUntilAborted = retry(handleAll, { maxAttempts: Number.MAX_SAFE_INTEGER, backoff });

/**
 * Reads the registry for one subject, retrying with backoff (100 ms → 1 s) until `timeoutMs` has passed; then
 * `unavailable`, at the deadline and with no read after it. `timeoutMs` 0 tries once. A first read that succeeds
 * (the usual case) sets up no timer and no policy.
 */
export async function readWithDeadline(
  read: () => Promise<Exclude<RegistryRead, { status: 'unavailable' }>>,
  timeoutMs: number,
  onError: (err: unknown, attempt: number) => void,
): Promise<RegistryRead> {
  const started = Date.now();
  try {
    return await read();
  } catch (err) {
    onError(err, 1);
    if (timeoutMs <= 0) return { status: 'unavailable' };
  }
  const left = timeoutMs - (Date.now() - started);
  if (left <= 0) return { status: 'unavailable' };
  const deadline = AbortSignal.timeout(left);
  // cockatiel checks the signal only before a backoff, and reads once more after it: the read checks it too
  const retried = retryUntilAborted.execute(async ({ attempt, signal }) => {
    signal.throwIfAborted();
    try {
      return await read();
    } catch (err) {
      onError(err, attempt + 2);
      throw err;
    }
  }, deadline);
  try {
    return await within(retried, left, 'registry');
  } catch {
    return { status: 'unavailable' };
  }
}

/** Adds the `verification` section to a geolocated request. */
@Injectable()
export class Verifier {
  private readonly logger = new Logger(Verifier.name);
  private readonly rules: EnrichmentRules;
  /**
   * Opens when a read gave up: for REGISTRY_TIMEOUT_MS requests are `unavailable` at once, so a down registry does
   * not stall every message; then one request tries again.
   */
  private readonly breaker: CircuitBreakerPolicy;

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
    this.breaker = circuitBreaker(
      handleWhenResult((r) => (r as RegistryRead).status === 'unavailable'),
      { halfOpenAfter: env.REGISTRY_TIMEOUT_MS, breaker: new ConsecutiveBreaker(1) },
    );
    this.breaker.onBreak(() => this.logger.warn({ msg: 'registry unavailable: failing fast' }));
  }

  private async readRegistry(event: AccessGeolocatedV1): Promise<RegistryRead> {
    const subject = event.request.subject;
    try {
      return await this.breaker.execute(() =>
        readWithDeadline(
          async () => {
            // the cache throws while it cannot vouch (not loaded, too old): retried, then `unavailable`
            if (this.cache?.enabled)
              return { status: 'ok', ...this.cache.lookup(subject.userId, subject.organizationId) };
            const user = await this.registry.findUser(subject.userId);
            const organizationId = user?.record.organizationId ?? subject.organizationId;
            const organization = organizationId ? await this.registry.findOrganization(organizationId) : null;
            return { status: 'ok', user, organization };
          },
          this.env.REGISTRY_TIMEOUT_MS,
          (err, attempt) =>
            this.logger.warn({
              msg: 'registry read failed',
              requestId: event.requestId,
              attempt,
              err: (err as Error).message,
            }),
        ),
      );
    } catch (err) {
      if (err instanceof BrokenCircuitError) return { status: 'unavailable' };
      throw err;
    }
  }

  async verify(event: AccessGeolocatedV1): Promise<AccessVerifiedV1> {
    const read = await this.readRegistry(event);
    const now = new Date();
    return {
      ...event,
      ...deriveEnvelope(event, 'verification', 'verifiedAt', now),
      verification: buildVerificationSection(event, read, this.screener, this.rules, now),
    };
  }
}
