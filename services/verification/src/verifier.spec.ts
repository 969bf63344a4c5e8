import { readWithDeadline, defaultCountriesOfConcern } from './verifier';

describe(readWithDeadline.name, () => {
  it('returns the read once it succeeds after failures', async () => {
    let calls = 0;
    const sut = await readWithDeadline(
      async () => {
        if (++calls < 3) throw new Error('down');
        return { status: 'ok', user: null, organization: null };
      },
      5000,
      () => undefined,
    );
    expect(sut).toEqual({ status: 'ok', user: null, organization: null });
    expect(calls).toBe(3);
  });

  it('gives up with unavailable when the registry stays down past the bound', async () => {
    const errors: number[] = [];
    const sut = await readWithDeadline(
      () => Promise.reject(new Error('Client must be connected')),
      300,
      (_err, attempt) => errors.push(attempt),
    );
    expect(sut).toEqual({ status: 'unavailable' });
    expect(errors.length).toBeGreaterThan(1);
  });
});

describe(defaultCountriesOfConcern.name, () => {
  it('reads the dated data file', () => {
    expect(defaultCountriesOfConcern()).toEqual(
      expect.arrayContaining(['CN', 'RU', 'IR', 'KP', 'CU', 'BY', 'VE']),
    );
  });
});
