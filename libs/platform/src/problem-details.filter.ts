import {
  type ArgumentMetadata,
  type ArgumentsHost,
  BadRequestException,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  type ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { describeValidationErrors } from '@clearance/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { throwError } from 'rxjs';
import { memoizeValidationMetadata } from './validation-metadata.cache';

/** A field-level validation problem as it appears in `errors` of a problem document. */
export interface FieldError {
  field: string;
  message: string;
}

export class FieldValidationException extends BadRequestException {
  constructor(readonly errors: FieldError[]) {
    super(`invalid ${errors[0]?.field ?? 'request'}: ${errors[0]?.message ?? 'validation failed'}`);
  }
}

export function fieldErrors(errors: ValidationError[]): FieldError[] {
  return describeValidationErrors(errors).map((line) => {
    const i = line.indexOf(': ');
    return { field: line.slice(0, i), message: line.slice(i + 2) };
  });
}

/**
 * A body's object properties that are `null`, removed at every depth (array elements stay): on the wire `null`
 * means "not given". `@IsOptional()` lets null through, and code written for a missing field (`!== undefined`,
 * spreading a list) must not meet it; a required field that is null is still refused, as missing.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // defined, not assigned: a `__proto__` key stays an own property for the validators to refuse
    if (v !== null)
      Object.defineProperty(out, key, { value: withoutNulls(v), enumerable: true, writable: true });
  }
  return out;
}

class StrictValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    return super.transform(metadata.type === 'body' ? withoutNulls(value) : value, metadata);
  }
}

/**
 * The validation every HTTP body and query goes through: unknown fields rejected, each bad field named, a null
 * property taken as absent (`withoutNulls`).
 */
export function strictValidationPipe(): ValidationPipe {
  memoizeValidationMetadata();
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new FieldValidationException(fieldErrors(errors)),
  });
}

/**
 * The methods each route pattern answers, filled from Fastify's onRoute hook at start: an unknown method on a known
 * path is a 405 with `Allow`, not the router's 404.
 */
export class RouteTable {
  private readonly routes: { pattern: RegExp; params: number; methods: Set<string> }[] = [];

  add(url: string, methods: string | string[]): void {
    const segments = url.split('/');
    const source = segments
      .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    const pattern = new RegExp(`^${source}/?$`);
    let entry = this.routes.find((r) => r.pattern.source === pattern.source);
    const params = segments.filter((seg) => seg.startsWith(':')).length;
    if (!entry) this.routes.push((entry = { pattern, params, methods: new Set() }));
    for (const m of [methods].flat()) entry.methods.add(m.toUpperCase());
  }

  /**
   * Methods allowed on this path (without the query), or undefined for a path no route has. Where routes of
   * different shapes match (`/batch` and `/:id`), the resource is the most specific one, as the router picks it:
   * `/v1/access-requests/batch` allows POST, not also the GET of `/:id`.
   */
  allowed(path: string): string[] | undefined {
    const matching = this.routes.filter((r) => r.pattern.test(path));
    if (matching.length === 0) return undefined;
    const fewest = Math.min(...matching.map((r) => r.params));
    const methods = new Set<string>();
    for (const r of matching) if (r.params === fewest) r.methods.forEach((m) => methods.add(m));
    return [...methods].sort();
  }
}

export const routeTable = new RouteTable();

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/**
 * Every HTTP error as RFC 9457 problem details (`application/problem+json`). Outside HTTP (the Kafka transport)
 * the original error is passed on untouched so that the transport can tell transient failures from poison.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') return throwError(() => exception);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let detail = 'internal error';
    let extra: Record<string, unknown> = {};
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      if (typeof body === 'string') detail = body;
      else {
        const { message, error: _error, statusCode: _s, ...rest } = body as Record<string, unknown>;
        detail = Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
        extra = rest;
      }
      if (exception instanceof FieldValidationException) extra = { ...extra, errors: exception.errors };
    } else if (isFastifyError(exception)) {
      status = exception.statusCode;
      detail = exception.message;
      if (exception.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        const type = request.headers['content-type'];
        detail =
          type === undefined
            ? 'Content-Type is missing: send application/json'
            : `Content-Type ${type} is not supported: send application/json`;
        void reply.header('Accept-Post', 'application/json');
      }
    } else {
      this.logger.error({
        msg: 'unhandled error',
        err: exception instanceof Error ? exception.stack : String(exception),
      });
    }
    // A known path with a method it does not have is a 405, whatever failed first (router 404, body parser 400).
    const allowed = routeTable.allowed(request.url.split('?')[0] ?? '');
    if (allowed !== undefined && !allowed.includes(request.method)) {
      // HEAD is answered wherever GET is, but the documents declare only GET
      const declared = allowed.filter((m) => m !== 'HEAD');
      status = 405;
      detail = `${request.method} is not allowed on this path; allowed: ${declared.join(', ')}`;
      extra = {};
      void reply.header('Allow', declared.join(', '));
    }
    const problem = {
      type: `https://clearance.dev/problems/${status}`,
      title: TITLES[status] ?? HttpStatus[status] ?? 'Error',
      status,
      detail,
      instance: request.url,
      ...extra,
    };
    const headers = (exception as { headers?: Record<string, string> }).headers;
    if (headers) for (const [k, v] of Object.entries(headers)) void reply.header(k, v);
    void reply.status(status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
    return undefined;
  }
}

function isFastifyError(e: unknown): e is { statusCode: number; message: string; code?: string } {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { statusCode?: unknown }).statusCode === 'number' &&
    (e as { statusCode: number }).statusCode >= 400
  );
}

/** An HTTP error with its own problem `detail`, response headers (e.g. `Retry-After`) and extra members. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    detail: string,
    readonly headers?: Record<string, string>,
    extra?: Record<string, unknown>,
  ) {
    super({ message: detail, ...extra }, status);
  }
}
