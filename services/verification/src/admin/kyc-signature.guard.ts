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

/** KYC-provider webhooks: the signature is checked on the raw bytes before the body is validated or used. */
@Injectable()
export class KycSignatureGuard implements CanActivate {
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
        return true;
      case 'missing':
        throw new ProblemException(401, 'webhook signature or timestamp missing');
      case 'stale':
        throw new ProblemException(401, 'webhook timestamp outside the accepted window (replay protection)');
      case 'bad-signature':
        throw new ProblemException(401, 'webhook signature does not match');
    }
  }
}
