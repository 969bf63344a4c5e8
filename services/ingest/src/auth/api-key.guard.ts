import { Injectable, Logger } from '@nestjs/common';
import {
  BearerTokenGuard,
  BearerTokenRegistry,
  hashBearerToken,
  type BearerFailure,
  type BearerRole,
} from '@clearance/platform';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from './api-client.decorator';
import { DEV_API_KEY, DEV_CLIENT_NAME } from './dev-key';
import { IngestRateLimits } from './rate.limits';

/** Upstream callers' API keys; a client may hold several (rotation adds the new key under the same name). */
export const INGEST_API_KEY_ROLE: BearerRole = {
  listVariable: 'INGEST_API_KEYS',
  fileVariable: 'INGEST_API_KEYS_FILE',
  fileFormat: 'yaml',
  names: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
  oneTokenPerName: false,
};

export interface ApiKeySources {
  INGEST_API_KEYS?: string;
  INGEST_API_KEYS_FILE?: string;
  NODE_ENV?: string;
}

/** The API keys ingest accepts; without any configured, the development key outside production only. */
export function apiKeysFromEnv(
  env: ApiKeySources,
  readFile?: (path: string) => string,
): { registry: BearerTokenRegistry; usesDevKey: boolean } {
  const registry = BearerTokenRegistry.fromSources(
    INGEST_API_KEY_ROLE,
    { list: env.INGEST_API_KEYS, file: env.INGEST_API_KEYS_FILE },
    readFile,
  );
  if (registry.size > 0) return { registry, usesDevKey: false };
  if (env.NODE_ENV === 'production')
    throw new Error(
      'INGEST_API_KEYS or INGEST_API_KEYS_FILE must configure at least one API key in production',
    );
  const dev = { name: DEV_CLIENT_NAME, sha256: hashBearerToken(DEV_API_KEY), revoked: false };
  return { registry: new BearerTokenRegistry([dev]), usesDevKey: true };
}

/** Lets a request through only with a valid, unrevoked API key, and records which client sent it. */
@Injectable()
export class ApiKeyGuard extends BearerTokenGuard<FastifyRequest & AuthenticatedRequest> {
  private readonly logger = new Logger(ApiKeyGuard.name);

  constructor(
    registry: BearerTokenRegistry,
    private readonly limits: IngestRateLimits,
  ) {
    super(registry, {
      realm: 'clearance',
      details: {
        missing: 'an API key is required: Authorization: Bearer <key>',
        malformed: 'the Authorization header must be "Bearer <key>"',
        unknown: 'the API key is not valid',
        revoked: 'the API key has been revoked',
      },
    });
  }

  protected admit(request: FastifyRequest & AuthenticatedRequest, client: string): void {
    request.clearanceClient = client;
  }

  protected async refused(request: FastifyRequest, reason: BearerFailure): Promise<void> {
    if (reason === 'revoked' || reason === 'unknown') {
      this.logger.warn({ msg: 'rejected API key', reason, ip: request.ip });
    }
    // Every failure counts against the address: past the limit AddressThrottle refuses it before this guard.
    await this.limits.recordAuthFailure(request.ip);
  }
}
