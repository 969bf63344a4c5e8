import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { ENV, ProblemException } from '@clearance/platform';
import type { FastifyRequest } from 'fastify';
import type { VerificationEnv } from '../verification.env';

export interface AdminToken {
  name: string;
  sha256: Buffer;
}

/** `name:sha256hex` entries, comma- or newline-separated; blank lines and `#` comments ignored. */
export function parseAdminTokens(text: string): AdminToken[] {
  return text
    .split(/[,\n]/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => {
      const i = l.lastIndexOf(':');
      const hex = l.slice(i + 1);
      if (i <= 0 || !/^[0-9a-fA-F]{64}$/.test(hex))
        throw new Error('admin token entries must be name:sha256hex');
      return { name: l.slice(0, i), sha256: Buffer.from(hex, 'hex') };
    });
}

/** The admin whose token this is, comparing hashes in constant time (every entry is compared). */
export function adminFor(token: string, tokens: readonly AdminToken[]): string | undefined {
  const digest = createHash('sha256').update(token).digest();
  let found: string | undefined;
  for (const t of tokens) if (timingSafeEqual(digest, t.sha256) && found === undefined) found = t.name;
  return found;
}

export type AdminRequest = FastifyRequest & { admin?: string };

/** Admin credentials (separate from ingest API keys and auditors): `Authorization: Bearer <token>`. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly logger = new Logger(AdminTokenGuard.name);
  private readonly tokens: AdminToken[];

  constructor(@Inject(ENV) env: VerificationEnv) {
    this.tokens = [
      ...parseAdminTokens(env.ADMIN_TOKENS ?? ''),
      ...(env.ADMIN_TOKENS_FILE ? parseAdminTokens(readFileSync(env.ADMIN_TOKENS_FILE, 'utf8')) : []),
    ];
    if (this.tokens.length === 0)
      this.logger.warn('no admin tokens configured: the admin API refuses every request');
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const admin = match ? adminFor(match[1]!, this.tokens) : undefined;
    if (admin === undefined) {
      throw new ProblemException(401, 'a valid admin bearer token is required', {
        'www-authenticate': 'Bearer',
      });
    }
    request.admin = admin;
    return true;
  }
}
