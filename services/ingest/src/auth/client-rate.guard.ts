import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '@clearance/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from './api-client.decorator';
import { IngestRateLimits, rateHeaders } from './rate.limits';

const COUNTS_ITEMS = 'clearance:rate-counts-items';

/** On a batch route: each item of `body.requests` costs one unit of the client's rate budget. */
export const CountsBatchItems = (): MethodDecorator => SetMetadata(COUNTS_ITEMS, true);

/** Rate limit per API client (after ApiKeyGuard), in items: a 500-request batch costs 500, not 1. */
@Injectable()
export class ClientRateGuard implements CanActivate {
  constructor(
    private readonly limits: IngestRateLimits,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & AuthenticatedRequest>();
    const client = request.clearanceClient;
    // ApiKeyGuard runs first on every route using this guard; a missing client is a wiring bug.
    if (client === undefined) throw new Error('ClientRateGuard used on a route without ApiKeyGuard');
    const requests = (request.body as { requests?: unknown } | undefined)?.requests;
    const items =
      this.reflector.get<boolean>(COUNTS_ITEMS, context.getHandler()) && Array.isArray(requests)
        ? requests.length
        : 1;
    const verdict = await this.limits.takeClient(client, items);
    const headers = rateHeaders(verdict);
    if (!verdict.ok) {
      throw new ProblemException(429, `rate limit of client ${client} exceeded`, headers);
    }
    void http.getResponse<FastifyReply>().headers(headers);
    return true;
  }
}
