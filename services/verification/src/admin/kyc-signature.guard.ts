import { createHmac, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ENV, ProblemException } from '@clearance/platform';
import type { FastifyRequest } from 'fastify';
import type { VerificationEnv } from '../verification.env';

export const TIMESTAMP_HEADER = 'x-clearance-timestamp';
export const SIGNATURE_HEADER = 'x-clearance-signature';

/** `sha256=` + hex HMAC-SHA-256 over `<timestamp>.<raw body>` with the shared secret. */
export function kycSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

export type SignatureVerdict = 'ok' | 'missing' | 'stale' | 'bad-signature';

/** Checks the signature and that the timestamp (Unix seconds) is within `toleranceSeconds` of `nowMs`. */
export function verifyKycSignature(
  secret: string | undefined,
  timestamp: string | undefined,
  signature: string | undefined,
  rawBody: Buffer | undefined,
  toleranceSeconds: number,
  nowMs: number,
): SignatureVerdict {
  if (!secret || !timestamp || !signature || rawBody === undefined) return 'missing';
  if (!/^\d{1,12}$/.test(timestamp)) return 'stale';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return 'stale';
  const expected = Buffer.from(kycSignature(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'bad-signature';
}

/** Most signatures remembered at once; past it new webhooks are refused (503) rather than replays let in. */
export const MAX_REMEMBERED_SIGNATURES = 100_000;

/**
 * Signatures seen within the accepted window: a signed webhook is accepted once. The signature covers timestamp
 * and body, so it names the event; an entry can be forgotten once its timestamp is outside the window anyway.
 * In memory per instance: a replay to another instance is stopped by the ordering check of the registry instead.
 */
export class SeenSignatures {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly max = MAX_REMEMBERED_SIGNATURES) {}

  /** 'new' (and remembered until `expiresAtMs`), 'replay', or 'full'. */
  remember(signature: string, expiresAtMs: number, nowMs: number): 'new' | 'replay' | 'full' {
    for (const [sig, expiry] of this.expiries) {
      if (expiry > nowMs) break;
      this.expiries.delete(sig);
    }
    const known = this.expiries.get(signature);
    if (known !== undefined && known > nowMs) return 'replay';
    if (this.expiries.size >= this.max) return 'full';
    this.expiries.set(signature, expiresAtMs);
    return 'new';
  }
}

/** KYC-provider webhooks: the signature is checked on the raw bytes before the body is validated or used. */
@Injectable()
export class KycSignatureGuard implements CanActivate {
  private readonly seen = new SeenSignatures();

  constructor(@Inject(ENV) private readonly env: VerificationEnv) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RawBodyRequest<FastifyRequest>>();
    const header = (name: string): string | undefined => {
      const v = request.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const verdict = verifyKycSignature(
      this.env.KYC_WEBHOOK_SECRET,
      header(TIMESTAMP_HEADER),
      header(SIGNATURE_HEADER),
      request.rawBody,
      this.env.KYC_WEBHOOK_TOLERANCE_SECONDS,
      Date.now(),
    );
    switch (verdict) {
      case 'ok':
        return this.firstTime(header(SIGNATURE_HEADER)!);
      case 'missing':
        throw new ProblemException(401, 'webhook signature or timestamp missing');
      case 'stale':
        throw new ProblemException(401, 'webhook timestamp outside the accepted window (replay protection)');
      case 'bad-signature':
        throw new ProblemException(401, 'webhook signature does not match');
    }
  }

  private firstTime(signature: string): boolean {
    const now = Date.now();
    // ordered by expiry: every entry gets the same window, so the oldest expires first
    const expires = now + this.env.KYC_WEBHOOK_TOLERANCE_SECONDS * 2000;
    switch (this.seen.remember(signature, expires, now)) {
      case 'new':
        return true;
      case 'replay':
        throw new ProblemException(409, 'this signed webhook was already received (replay)');
      case 'full':
        throw new ProblemException(503, 'too many webhooks in the replay window; retry later', {
          'Retry-After': '5',
        });
    }
  }
}
