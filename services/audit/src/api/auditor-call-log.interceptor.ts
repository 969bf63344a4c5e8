import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { type Observable, catchError, from, mergeMap, throwError } from 'rxjs';
import { AuditorCallLogRepository } from '../store/auditor-call-log.repository';
import type { AuditorRequest } from './auditor.guard';

/**
 * Every auditor query is itself audited: a structured log line and a record in audit_auditor_queries, written
 * before the answer goes out (no record, no answer), refused queries included.
 */
@Injectable()
export class AuditorCallLogInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditorCallLogInterceptor.name);

  constructor(private readonly callLog: AuditorCallLogRepository) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuditorRequest>();
    const started = Date.now();
    const record = async (status: number, results?: number) => {
      const entry = {
        auditor: request.auditor ?? 'unknown',
        method: request.method,
        path: request.url.split('?')[0] ?? request.url,
        query: JSON.stringify(request.query ?? {}),
        status,
        ...(results === undefined ? {} : { results }),
        at: new Date(started),
        durationMs: Date.now() - started,
      };
      this.logger.log(entry, 'auditor query');
      await this.callLog.record(entry);
    };
    return next.handle().pipe(
      mergeMap((body: unknown) => from(record(200, resultCount(body)).then(() => body))),
      catchError((err: unknown) => {
        const status = err instanceof HttpException ? err.getStatus() : 500;
        return from(record(status).catch(() => undefined)).pipe(mergeMap(() => throwError(() => err)));
      }),
    );
  }
}

function resultCount(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const items = (body as { items?: unknown }).items;
  return Array.isArray(items) ? items.length : undefined;
}
