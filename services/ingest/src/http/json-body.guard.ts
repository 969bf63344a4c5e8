import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { ProblemException } from '@clearance/platform';
import type { FastifyRequest } from 'fastify';

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/;

export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [mediaType = ''] = header.split(';');
  return JSON_MEDIA_TYPE.test(mediaType.trim().toLowerCase());
}

/**
 * Answers 415 to a body that is not JSON. Fastify itself refuses unknown media types, but parses text/plain and
 * forms (Nest registers a form parser), which would otherwise surface as a confusing 400.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method !== 'POST' && request.method !== 'PUT' && request.method !== 'PATCH') return true;
    const contentType = request.headers['content-type'];
    if (isJsonContentType(contentType)) return true;
    throw new ProblemException(
      415,
      contentType === undefined
        ? 'Content-Type is missing: send application/json'
        : `Content-Type ${contentType} is not supported: send application/json`,
      { 'Accept-Post': 'application/json' },
    );
  }
}
