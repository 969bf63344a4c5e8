import { Injectable, Logger } from '@nestjs/common';
import {
  BearerTokenGuard,
  BearerTokenRegistry,
  type BearerFailure,
  type BearerRole,
} from '@clearance/platform';
import type { FastifyRequest } from 'fastify';

/** Auditors: each listed once, so the call log's name is one person (or ingest). */
export const AUDITOR_TOKEN_ROLE: BearerRole = {
  listVariable: 'AUDITOR_TOKENS',
  fileVariable: 'AUDITOR_TOKENS_FILE',
  fileFormat: 'lines',
  names: /^[A-Za-z0-9._@-]{1,64}$/,
  oneTokenPerName: true,
};

export type AuditorRequest = FastifyRequest & { auditor?: string };

const REQUIRED = 'auditor bearer token required';
const UNKNOWN = 'unknown auditor token';

/** Auditor bearer tokens only: ingest API keys and admin credentials open nothing here. */
@Injectable()
export class AuditorGuard extends BearerTokenGuard<AuditorRequest> {
  private readonly logger = new Logger(AuditorGuard.name);

  constructor(tokens: BearerTokenRegistry) {
    super(tokens, {
      realm: 'clearance-audit',
      details: { missing: REQUIRED, malformed: REQUIRED, unknown: UNKNOWN, revoked: UNKNOWN },
    });
  }

  protected admit(request: AuditorRequest, auditor: string): void {
    request.auditor = auditor;
  }

  protected refused(request: AuditorRequest, reason: BearerFailure): void {
    this.logger.warn(
      { method: request.method, path: request.url.split('?')[0], ip: request.ip, reason },
      'auditor authentication refused',
    );
  }
}
