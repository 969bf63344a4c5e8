import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  BearerTokenGuard,
  BearerTokenRegistry,
  ENV,
  type BearerFailure,
  type BearerRole,
} from '@clearance/platform';
import type { FastifyRequest } from 'fastify';
import type { VerificationEnv } from '../verification.env';

/** Admin credentials (separate from ingest API keys and auditors); names as ADMIN_TOKENS validates them. */
export const ADMIN_TOKEN_ROLE: BearerRole = {
  listVariable: 'ADMIN_TOKENS',
  fileVariable: 'ADMIN_TOKENS_FILE',
  fileFormat: 'lines',
  names: /^[\w.@-]{1,128}$/,
  oneTokenPerName: false,
};

export type AdminRequest = FastifyRequest & { admin?: string };

const REQUIRED = 'a valid admin bearer token is required';

/** Lets an admin call through only with an admin's `Authorization: Bearer <token>`, and records which admin. */
@Injectable()
export class AdminTokenGuard extends BearerTokenGuard<AdminRequest> {
  private readonly logger = new Logger(AdminTokenGuard.name);

  constructor(@Inject(ENV) env: VerificationEnv) {
    const registry = BearerTokenRegistry.fromSources(ADMIN_TOKEN_ROLE, {
      list: env.ADMIN_TOKENS,
      file: env.ADMIN_TOKENS_FILE,
    });
    super(registry, {
      realm: 'clearance-admin',
      details: { missing: REQUIRED, malformed: REQUIRED, unknown: REQUIRED, revoked: REQUIRED },
    });
    if (registry.size === 0)
      this.logger.warn('no admin tokens configured: the admin API refuses every request');
  }

  protected admit(request: AdminRequest, admin: string): void {
    request.admin = admin;
  }

  protected refused(request: AdminRequest, reason: BearerFailure): void {
    if (reason !== 'missing') this.logger.warn({ msg: 'rejected admin token', reason, ip: request.ip });
  }
}
