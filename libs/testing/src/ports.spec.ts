import { createServer } from 'node:net';
import { freePorts } from './ports';

describe(freePorts.name, () => {
  it('picks distinct ports below the ephemeral range that can be listened on at once', async () => {
    const ports = await freePorts(8);

    expect(new Set(ports).size).toBe(8);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(20_000);
      expect(p).toBeLessThanOrEqual(32_767);
    }
    const servers = await Promise.all(
      ports.map(
        (p) =>
          new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
            const srv = createServer().once('error', reject);
            srv.listen(p, '127.0.0.1', () => resolve(srv));
          }),
      ),
    );
    await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  });
});
