import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ProblemException } from '@clearance/platform';
import type { FastifyRequest } from 'fastify';
import { AuditorTokens } from './auditor.tokens';

export type AuditorRequest = FastifyRequest & { auditor?: string };

/** Auditor bearer tokens only: ingest API keys and admin credentials open nothing here. */
@Injectable()
export class AuditorGuard implements CanActivate {
  private readonly logger = new Logger(AuditorGuard.name);

  constructor(private readonly tokens: AuditorTokens) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuditorRequest>();
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/.exec(header) : null;
    const auditor = m ? this.tokens.authenticate(m[1]!) : undefined;
    if (!auditor) {
      this.logger.warn(
        { method: request.method, path: request.url.split('?')[0], ip: request.ip, tokenGiven: m !== null },
        'auditor authentication refused',
      );
      // RFC 6750: no error code when no credentials were sent, invalid_token otherwise.
      throw new ProblemException(401, m ? 'unknown auditor token' : 'auditor bearer token required', {
        'WWW-Authenticate': m
          ? 'Bearer realm="clearance-audit", error="invalid_token"'
          : 'Bearer realm="clearance-audit"',
      });
    }
    request.auditor = auditor;
    return true;
  }
}
