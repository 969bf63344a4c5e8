import { integrityWindows, overTime, top } from './console.overview';

describe('console.overview', () => {
  const rows = [
    { bucket: '2026-03-04', key: 'deny', count: 2 },
    { bucket: '2026-03-03', key: 'allow', count: 5 },
    { bucket: '2026-03-04', key: 'allow', count: 1 },
    { bucket: '2026-03-03', key: 'challenge', count: 1 },
  ];

  it('puts counts per bucket and outcome in time order', () => {
    expect(overTime(rows)).toEqual({
      buckets: ['2026-03-03', '2026-03-04'],
      series: [
        { outcome: 'allow', counts: [5, 1] },
        { outcome: 'deny', counts: [0, 2] },
        { outcome: 'challenge', counts: [1, 0] },
      ],
    });
  });

  it('totals keys over buckets, largest first', () => {
    expect(top(rows, 2)).toEqual([
      ['allow', 6],
      ['deny', 2],
    ]);
  });

  it('splits the store into windows that leave no gap and no overlap, open at both ends', () => {
    const sut = integrityWindows(new Date('2026-03-01T00:00:00Z'), new Date('2026-03-11T00:00:00Z'), 5);
    expect(sut).toHaveLength(5);
    expect(sut[0]).toEqual({ to: '2026-03-03T00:00:00.000Z' });
    expect(sut[4]).toEqual({ from: '2026-03-09T00:00:00.000Z' });
    for (let i = 1; i < sut.length; i++) expect(sut[i]!.from).toBe(sut[i - 1]!.to);
    expect(integrityWindows(undefined, new Date(), 5)).toEqual([{}]);
  });
});
