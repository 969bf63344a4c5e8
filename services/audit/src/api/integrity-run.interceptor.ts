import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { ProblemException } from '@clearance/platform';
import { finalize, type Observable } from 'rxjs';

/** Seconds an auditor is asked to wait while another integrity run is going on. */
export const INTEGRITY_RETRY_AFTER_SECONDS = 30;

/**
 * One integrity run at a time per instance: a run reads every record of its range (tens of seconds over a large
 * store), so concurrent runs would pile up reads on the database the hot path writes to. Others get 429.
 */
@Injectable()
export class IntegrityRunInterceptor implements NestInterceptor {
  private running = false;

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.running) {
      throw new ProblemException(429, 'an integrity run is already in progress; retry when it is done', {
        'Retry-After': String(INTEGRITY_RETRY_AFTER_SECONDS),
      });
    }
    this.running = true;
    return next.handle().pipe(
      finalize(() => {
        this.running = false;
      }),
    );
  }
}
