import { IngestRateLimits } from './rate.limits';

describe(IngestRateLimits.name, () => {
  const newLimits = (): IngestRateLimits =>
    new IngestRateLimits({
      clientLimit: 10,
      addressLimit: 3,
      windowMs: 60_000,
      authFailureLimit: 2,
      authFailureWindowMs: 60_000,
    });

  it('counts every item of a batch against the client', async () => {
    const sut = newLimits();
    expect(await sut.takeClient('gw', 8)).toMatchObject({ ok: true, remaining: 2 });
    const refused = await sut.takeClient('gw', 3);
    expect(refused).toMatchObject({ ok: false, remaining: 0 });
    expect(refused.ok ? 0 : refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(await sut.takeClient('other', 1)).toMatchObject({ ok: true });
  });

  it('lets a batch larger than the whole budget take all of it, not wait forever', async () => {
    const sut = newLimits();
    expect(await sut.takeClient('gw', 500)).toMatchObject({ ok: true, remaining: 0 });
    expect(await sut.takeClient('gw', 1)).toMatchObject({ ok: false });
  });

  it('limits each address', async () => {
    const sut = newLimits();
    for (let i = 0; i < 3; i++) expect((await sut.takeAddress('192.0.2.1')).ok).toBe(true);
    expect((await sut.takeAddress('192.0.2.1')).ok).toBe(false);
    expect((await sut.takeAddress('192.0.2.2')).ok).toBe(true);
  });

  it('locks an address out after its failed authentications', async () => {
    const sut = newLimits();
    expect(await sut.addressLockedOut('192.0.2.9')).toBeUndefined();
    await sut.recordAuthFailure('192.0.2.9');
    expect(await sut.addressLockedOut('192.0.2.9')).toBeUndefined();
    await sut.recordAuthFailure('192.0.2.9');
    await sut.recordAuthFailure('192.0.2.9');
    expect(await sut.addressLockedOut('192.0.2.9')).toMatchObject({ ok: false });
    expect(await sut.addressLockedOut('192.0.2.10')).toBeUndefined();
  });
});
