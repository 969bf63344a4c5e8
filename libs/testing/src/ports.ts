import { createServer, type Server } from 'node:net';

/**
 * Ports are picked below Linux's ephemeral range (32768-60999, `ip_local_port_range`): a port the OS hands out for
 * `listen(0)` comes from that range, and so does the source port of every outgoing connection on the machine, so
 * between the pick and the broker's own bind a client socket could take it (CI saw Kafka's controller fail to bind
 * a port picked that way while the other test worker's clients connected).
 */
const FIRST = 20_000;
const LAST = 32_767;

function listenOn(port: number): Promise<{ srv: Server; port: number } | undefined> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(undefined) : reject(err),
    );
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      resolve({ srv, port: typeof addr === 'object' && addr ? addr.port : 0 });
    });
  });
}

async function listenOnAnyPort(): Promise<{ srv: Server; port: number }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const held = await listenOn(FIRST + Math.floor(Math.random() * (LAST - FIRST + 1)));
    if (held) return held;
  }
  // that range full (it is not, on a test machine): the OS's pick
  const held = await listenOn(0);
  if (!held) throw new Error('no free TCP port');
  return held;
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
