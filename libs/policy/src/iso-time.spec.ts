import { epochMs, isoOf } from './iso-time';

describe(epochMs.name, () => {
  it.each([
    '2026-11-27T10:00:00.000Z',
    '2024-02-29T23:59:59.999Z',
    '1999-12-31T00:00:00.001Z',
    '2026-11-27T10:00:00Z',
    '2026-11-27T11:00:00.000+01:00',
  ])('agrees with Date.parse on %s', (iso) => {
    expect(epochMs(iso)).toBe(Date.parse(iso));
  });

  it('returns undefined for what is not a time', () => {
    expect([epochMs(undefined), epochMs('yesterday'), epochMs('2026-13-27T10:00:00.000Z')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe(isoOf.name, () => {
  it.each([0, 1, 999, 1764237600000, 1764237600007, 1764237600070, 1764237600999, 951782400000])(
    'formats %d like toISOString',
    (t) => {
      expect(isoOf(t)).toBe(new Date(t).toISOString());
    },
  );
});
