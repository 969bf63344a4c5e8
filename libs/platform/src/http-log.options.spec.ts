import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { httpLogOptions } from './http-log.options';

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
