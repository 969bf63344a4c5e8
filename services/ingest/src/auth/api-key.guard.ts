import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ProblemException } from '@clearance/platform';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from './api-client.decorator';
import { ApiKeyRegistry } from './api-key.registry';
import { IngestRateLimits } from './rate.limits';

const DETAILS = {
  missing: 'an API key is required: Authorization: Bearer <key>',
  malformed: 'the Authorization header must be "Bearer <key>"',
  unknown: 'the API key is not valid',
  revoked: 'the API key has been revoked',
} as const;

/** Lets a request through only with a valid, unrevoked API key, and records which client sent it. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyGuard.name);

  constructor(
    private readonly registry: ApiKeyRegistry,
    private readonly limits: IngestRateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const result = this.registry.authenticate(request.headers.authorization);
    if (result.ok) {
      request.clearanceClient = result.client;
      return true;
    }
    if (result.reason === 'revoked' || result.reason === 'unknown') {
      this.logger.warn({ msg: 'rejected API key', reason: result.reason, ip: request.ip });
    }
    // Every failure counts against the address: past the limit AddressThrottle refuses it before this guard.
    await this.limits.recordAuthFailure(request.ip);
    // RFC 6750: no error code when no credentials were sent, invalid_token otherwise.
    const challenge =
      result.reason === 'missing'
        ? 'Bearer realm="clearance"'
        : 'Bearer realm="clearance", error="invalid_token"';
    throw new ProblemException(401, DETAILS[result.reason], { 'WWW-Authenticate': challenge });
  }
}
