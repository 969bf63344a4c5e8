import { describeStale, listDateMs, staleLists } from './list.freshness';

describe(staleLists.name, () => {
  const DAY = 86_400_000;
  const now = Date.UTC(2026, 11, 1);

  it('reads a day, a month or a year, taking the start of the period', () => {
    expect(listDateMs('2024-05-03')).toBe(Date.UTC(2024, 4, 3));
    expect(listDateMs('2021-07')).toBe(Date.UTC(2021, 6, 1));
    expect(listDateMs('2021')).toBe(Date.UTC(2021, 0, 1));
  });

  it('reads no impossible or foreign date', () => {
    for (const bad of ['2024-02-31', '03/05/2024', 'yesterday', '']) expect(listDateMs(bad)).toBeNaN();
  });

  it('calls a list stale past the bound, and one with an unreadable date always', () => {
    const lists = [
      { name: 'fresh', date: '2026-11-15' },
      { name: 'old', date: '2024-05-03' },
      { name: 'undated', date: 'unknown' },
    ];
    const sut = staleLists(lists, now, 30 * DAY);
    expect(sut).toEqual([
      { name: 'old', date: '2024-05-03', ageDays: 942 },
      { name: 'undated', date: 'unknown' },
    ]);
    expect(describeStale(sut, 30)).toBe(
      'old of 2024-05-03 is 942 days old (max 30); undated has no readable date (unknown)',
    );
    expect(staleLists(lists.slice(0, 2), now, 3650 * DAY)).toEqual([]);
  });
});
