import { settledWithin, within } from './concurrency';

describe(within.name, () => {
  it("gives the work's value when it answers in time", async () => {
    await expect(within(Promise.resolve(7), 1_000, 'ping')).resolves.toBe(7);
  });

  it("passes the work's own error on", async () => {
    await expect(within(Promise.reject(new Error('refused')), 1_000, 'ping')).rejects.toThrow('refused');
  });

  it('rejects naming what did not answer once the time is up', async () => {
    await expect(within(new Promise(() => undefined), 5, 'broker ping')).rejects.toThrow(
      'broker ping: no answer within 5 ms',
    );
  });
});

describe(settledWithin.name, () => {
  it('is true for work that fulfilled or rejected in time', async () => {
    await expect(settledWithin(Promise.resolve(), 1_000)).resolves.toBe(true);
    await expect(settledWithin(Promise.reject(new Error('x')), 1_000)).resolves.toBe(true);
  });

  it('is false for work still running when the time is up', async () => {
    await expect(settledWithin(new Promise(() => undefined), 5)).resolves.toBe(false);
  });
});
