import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** What a limiter answered: go on (with what is left) or wait. Both carry the X-RateLimit-* numbers. */
export type RateVerdict =
  | { ok: true; limit: number; remaining: number; resetSeconds: number }
  | { ok: false; limit: number; remaining: 0; resetSeconds: number; retryAfterSeconds: number };

export interface RateLimitSettings {
  /** Items (a batch counts each of its requests) per client per window. */
  clientLimit: number;
  /** Requests per source address per window, counted before the key is even looked at. */
  addressLimit: number;
  windowMs: number;
  /** Failed authentications per address per `authFailureWindowMs`; past it the address gets only 429s. */
  authFailureLimit: number;
  authFailureWindowMs: number;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * The ingest rate limits, in memory per instance (rate-limiter-flexible): per authenticated client counted in
 * items, per source address counted in requests, and per address counted in failed authentications. The address
 * limits run before the key check, so a flood of wrong keys is throttled too.
 */
export class IngestRateLimits {
  private readonly clients: RateLimiterMemory;
  private readonly addresses: RateLimiterMemory;
  private readonly authFailures: RateLimiterMemory;

  constructor(private readonly settings: RateLimitSettings) {
    const duration = settings.windowMs / 1000;
    this.clients = new RateLimiterMemory({ points: settings.clientLimit, duration });
    this.addresses = new RateLimiterMemory({ points: settings.addressLimit, duration });
    this.authFailures = new RateLimiterMemory({
      points: settings.authFailureLimit,
      duration: settings.authFailureWindowMs / 1000,
    });
  }

  /** Takes `items` from the client's budget; a batch larger than the whole budget takes all of it. */
  takeClient(client: string, items: number): Promise<RateVerdict> {
    const points = Math.min(Math.max(1, items), this.settings.clientLimit);
    return take(this.clients, client, points, this.settings.clientLimit);
  }

  takeAddress(address: string): Promise<RateVerdict> {
    return take(this.addresses, address, 1, this.settings.addressLimit);
  }

  /** Whether this address used up its failed authentications: then it is refused before anything else. */
  async addressLockedOut(address: string): Promise<RateVerdict | undefined> {
    const res = await this.authFailures.get(address);
    if (res === null || res.consumedPoints < this.settings.authFailureLimit) return undefined;
    return refused(res, this.settings.authFailureLimit);
  }

  async recordAuthFailure(address: string): Promise<void> {
    await this.authFailures.consume(address, 1).catch((err: unknown) => {
      if (!(err instanceof RateLimiterRes)) throw err;
    });
  }
}

async function take(
  limiter: RateLimiterMemory,
  key: string,
  points: number,
  limit: number,
): Promise<RateVerdict> {
  try {
    const res = await limiter.consume(key, points);
    return { ok: true, limit, remaining: res.remainingPoints, resetSeconds: seconds(res.msBeforeNext) };
  } catch (err) {
    if (err instanceof RateLimiterRes) return refused(err, limit);
    throw err;
  }
}

function refused(res: RateLimiterRes, limit: number): RateVerdict {
  const wait = seconds(res.msBeforeNext);
  return { ok: false, limit, remaining: 0, resetSeconds: wait, retryAfterSeconds: wait };
}

/** `X-RateLimit-*` and, when refused, `Retry-After`. */
export function rateHeaders(verdict: RateVerdict): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(verdict.limit),
    'X-RateLimit-Remaining': String(verdict.remaining),
    'X-RateLimit-Reset': String(verdict.resetSeconds),
    ...(verdict.ok ? {} : { 'Retry-After': String(verdict.retryAfterSeconds) }),
  };
}
