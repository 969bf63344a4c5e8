import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { BearerFailure, BearerTokenRegistry } from './bearer-token.registry';
import { ProblemException } from './problem-details.filter';

export interface BearerGuardOptions {
  /** The RFC 6750 realm of the `WWW-Authenticate` challenge. */
  realm: string;
  /** The problem detail per failure. */
  details: Record<BearerFailure, string>;
}

/**
 * Lets a request through only with a valid, unrevoked bearer token of one role; a subclass names the role's
 * registry, records the holder on the request and may act on a refusal (log, count).
 */
export abstract class BearerTokenGuard<R extends FastifyRequest = FastifyRequest> implements CanActivate {
  protected constructor(
    private readonly registry: BearerTokenRegistry,
    private readonly options: BearerGuardOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<R>();
    const result = this.registry.authenticate(request.headers.authorization);
    if (result.ok) {
      this.admit(request, result.name);
      return true;
    }
    await this.refused(request, result.reason);
    // RFC 6750: no error code when no credentials were sent, invalid_token otherwise.
    const challenge =
      result.reason === 'missing'
        ? `Bearer realm="${this.options.realm}"`
        : `Bearer realm="${this.options.realm}", error="invalid_token"`;
    throw new ProblemException(401, this.options.details[result.reason], { 'WWW-Authenticate': challenge });
  }

  /** Records who holds the token on the request. */
  protected abstract admit(request: R, name: string): void;

  /** What the role does with a refused request before the 401 goes out. */
  protected abstract refused(request: R, reason: BearerFailure): void | Promise<void>;
}
