import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problemBody } from '../http/problem.body';
import { IngestRateLimits, rateHeaders, type RateVerdict } from './rate.limits';

/** Paths the address limits guard: the API, not health, metrics or docs. */
const GUARDED_PREFIX = '/v1/';

/**
 * Per-address limits as a Fastify `onRequest` hook: before the body is read and before the key is checked, so a
 * flood (of wrong keys or of anything else) from one address is refused at the cheapest point. The address is
 * Fastify's `request.ip`: the socket peer, or the client named by a trusted proxy (HTTP_TRUSTED_PROXIES).
 */
@Injectable()
export class AddressThrottle implements OnModuleInit {
  private readonly logger = new Logger(AddressThrottle.name);

  constructor(
    private readonly limits: IngestRateLimits,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith(GUARDED_PREFIX)) return;
      const lockedOut = await this.limits.addressLockedOut(request.ip);
      if (lockedOut) return this.refuse(request, reply, lockedOut, 'too many failed authentications');
      const verdict = await this.limits.takeAddress(request.ip);
      if (!verdict.ok) return this.refuse(request, reply, verdict, 'too many requests from this address');
      return undefined;
    });
  }

  private refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    verdict: RateVerdict,
    why: string,
  ): FastifyReply {
    this.logger.warn({ msg: 'address throttled', why, ip: request.ip });
    return reply
      .code(429)
      .headers(rateHeaders(verdict))
      .header('content-type', 'application/problem+json; charset=utf-8')
      .send(problemBody(429, `${why}: retry later`, undefined, request.url));
  }
}
