import { createServer, type Server } from 'node:net';

function listenOnAnyPort(): Promise<{ srv: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      resolve({ srv, port: typeof addr === 'object' && addr ? addr.port : 0 });
    });
  });
}

/** A TCP port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * `n` different TCP ports nothing listens on right now: every one is held until all are picked (ports asked for
 * one at a time can come back twice, as the OS may hand out a port the moment it is closed again).
 */
export async function freePorts(n: number): Promise<number[]> {
  const held: { srv: Server; port: number }[] = [];
  try {
    for (let i = 0; i < n; i++) held.push(await listenOnAnyPort());
    return held.map((h) => h.port);
  } finally {
    await Promise.all(held.map((h) => new Promise((done) => h.srv.close(done))));
  }
}
