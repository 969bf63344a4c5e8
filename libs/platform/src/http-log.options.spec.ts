import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { pinoHttp } from 'pino-http';
import { httpLogOptions, loggerModuleParams } from './http-log.options';

const SECRET = 'Bearer ck_live_do-not-log-me';

/** The completion line is written on the response's finish: wait for it, not for a fixed time. */
async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('log lines did not arrive');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A real HTTP server behind the services' pino-http options, its log lines collected. */
async function serve(
  level = 'info',
): Promise<{ server: Server; url: string; lines: () => Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = pinoHttp(httpLogOptions('test', level), stream);
  const server = createServer((req, res) => {
    log(req, res);
    const failed = req.url?.startsWith('/fail') === true;
    if (failed)
      req.log.error(
        {
          subject: { name: 'Jane Example', userId: 'u-1' },
          body: { subject: { email: 'jane@example.com' } },
        },
        'handler failed',
      );
    res.statusCode = failed ? 500 : 202;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { server, url: `http://127.0.0.1:${port}`, lines };
}

/** Each route logs one line through the injected logger: a bound request shows as `req` on that line. */
@Injectable()
class Probe {
  constructor(private readonly log: PinoLogger) {}
  line(route: string): string {
    this.log.info({ route }, 'handled');
    return route;
  }
}

@Controller()
class RoutesController {
  constructor(private readonly probe: Probe) {}
  @Get('health/live') live(): string {
    return this.probe.line('live');
  }
  @Get('health/ready') ready(): string {
    return this.probe.line('ready');
  }
  @Get('metrics') metrics(): string {
    return this.probe.line('metrics');
  }
  @Get('v1/things') things(): string {
    return this.probe.line('things');
  }
}

describe(httpLogOptions.name, () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('writes an error line that finds the request, without its credentials or personal data', async () => {
    const sut = await serve();
    server = sut.server;
    await fetch(`${sut.url}/fail?x=1`, {
      method: 'POST',
      headers: {
        authorization: SECRET,
        'x-clearance-signature': 'sig-secret',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    await until(() => sut.lines().length >= 2);

    const lines = sut.lines();
    expect(lines).toHaveLength(2);
    const raw = JSON.stringify(lines);
    expect(raw).not.toContain('do-not-log-me');
    expect(raw).not.toContain('sig-secret');
    expect(raw).not.toContain('Jane Example');
    expect(raw).not.toContain('jane@example.com');
    const [handler, completed] = lines as [Record<string, unknown>, Record<string, unknown>];
    expect(handler).toMatchObject({
      level: 'error',
      msg: 'handler failed',
      subject: { name: '[redacted]', userId: 'u-1' },
    });
    for (const line of lines) {
      expect(line['req']).toEqual({
        id: expect.anything(),
        method: 'POST',
        url: '/fail?x=1',
        remoteAddress: '127.0.0.1',
      });
      expect(line).toMatchObject({ service: 'test' });
    }
    expect(completed).toMatchObject({ level: 'error', res: { statusCode: 500 } });
  });

  it('writes nothing for a successful request at warn', async () => {
    const sut = await serve('warn');
    server = sut.server;
    await fetch(`${sut.url}/v1/access-requests`, {
      method: 'POST',
      headers: { authorization: SECRET },
      body: '{}',
    });
    // a failing request after it: once its lines are there, the successful one's would have been written before
    await fetch(`${sut.url}/fail`, { method: 'POST', body: '{}' });
    await until(() => sut.lines().length >= 2);
    expect(sut.lines().map((l) => (l['req'] as { url: string }).url)).toEqual(['/fail', '/fail']);
  });
});

describe(loggerModuleParams.name, () => {
  let app: NestFastifyApplication | undefined;
  afterEach(() => app?.close());

  it('binds and logs every request but the probes and the metrics scrape', async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    });
    @Module({
      imports: [LoggerModule.forRoot(loggerModuleParams('test', 'debug', stream))],
      controllers: [RoutesController],
      providers: [Probe],
    })
    class AppModule {}
    app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const lines = (): Record<string, unknown>[] =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    for (const path of ['/health/live', '/health/ready', '/metrics', '/v1/things'])
      expect((await fetch(url + path)).status).toBe(200);
    // the request completed line of the last request is written after its handler's line
    await until(() => lines().some((l) => l['msg'] === 'request completed'));

    const handled = lines().filter((l) => l['msg'] === 'handled');
    expect(handled.map((l) => l['route'])).toEqual(['live', 'ready', 'metrics', 'things']);
    // only the API route ran inside the request's AsyncLocalStorage context
    expect(handled.map((l) => l['req'] !== undefined)).toEqual([false, false, false, true]);
    const completed = lines().filter((l) => l['msg'] === 'request completed');
    expect(completed.map((l) => (l['req'] as { url: string }).url)).toEqual(['/v1/things']);
  });
});
