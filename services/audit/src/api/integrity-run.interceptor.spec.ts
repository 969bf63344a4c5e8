import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { lastValueFrom, Subject } from 'rxjs';
import { IntegrityRunInterceptor } from './integrity-run.interceptor';

describe(IntegrityRunInterceptor.name, () => {
  const context = {} as ExecutionContext;
  const handler = (result: Subject<string>): CallHandler => ({ handle: () => result.asObservable() });

  it('lets one run at a time through and refuses the others with 429 until it ends', async () => {
    const sut = new IntegrityRunInterceptor();
    const first = new Subject<string>();
    const running = lastValueFrom(sut.intercept(context, handler(first)));
    expect(() => sut.intercept(context, handler(new Subject()))).toThrow(/already in progress/);
    first.next('report');
    first.complete();
    await expect(running).resolves.toBe('report');
    const second = new Subject<string>();
    const next = lastValueFrom(sut.intercept(context, handler(second)));
    second.error(new Error('database down'));
    await expect(next).rejects.toThrow('database down');
    expect(() => sut.intercept(context, handler(new Subject()))).not.toThrow();
  });
});
