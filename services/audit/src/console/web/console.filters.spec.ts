import {
  describePeriod,
  filterFromQuery,
  filterToQuery,
  parseFilter,
  periodStart,
  searchFromQuery,
  searchToQuery,
} from './console.filters';

describe('console.filters', () => {
  it('reads only known filters from a URL, and writes them back in one order', () => {
    const sut = filterFromQuery(
      '?outcome=deny&token=secret&country=IR&cursor=abc&userId=%20&from=2026-03-03T00:00:00Z',
    );
    expect(sut).toEqual({ outcome: 'deny', country: 'IR', from: '2026-03-03T00:00:00Z' });
    expect(filterToQuery(sut).toString()).toBe('country=IR&outcome=deny&from=2026-03-03T00%3A00%3A00Z');
  });

  it('refuses unknown names and non-string values instead of dropping them', () => {
    expect(parseFilter({ country: ' US ', model: '' })).toEqual({ country: 'US' });
    expect(() => parseFilter({ $where: '1' })).toThrow('unknown filter "$where"');
    expect(() => parseFilter({ userId: { $gt: '' } })).toThrow('filter userId must be a string');
    expect(() => parseFilter([])).toThrow('filter must be an object');
  });

  describe('the period', () => {
    const now = new Date('2026-12-01T12:34:56.789Z');

    it('gives a search without from/to the last 7 days, from the whole minute, as an absolute from', () => {
      const sut = searchFromQuery('?country=IR', now);
      expect(sut).toEqual({
        search: { filter: { country: 'IR', from: '2026-11-24T12:34:00Z' }, allTime: false },
        defaulted: true,
      });
      // the link the page writes back names the period, so it is the same search whenever it is opened
      expect(searchToQuery(sut.search).toString()).toBe('country=IR&from=2026-11-24T12%3A34%3A00Z');
      expect(searchFromQuery(`?${searchToQuery(sut.search).toString()}`, new Date('2027-06-01'))).toEqual({
        search: sut.search,
        defaulted: false,
      });
    });

    it('keeps a period given in the URL, either bound alone included', () => {
      expect(searchFromQuery('?to=2026-11-01T00:00:00Z', now)).toEqual({
        search: { filter: { to: '2026-11-01T00:00:00Z' }, allTime: false },
        defaulted: false,
      });
      expect(searchFromQuery('?from=2026-01-01T00:00:00Z&period=all', now).search).toEqual({
        filter: { from: '2026-01-01T00:00:00Z' },
        allTime: false,
      });
    });

    it('searches all time only when asked explicitly, and says so', () => {
      const sut = searchFromQuery('?outcome=deny&period=all', now);
      expect(sut).toEqual({ search: { filter: { outcome: 'deny' }, allTime: true }, defaulted: false });
      expect(searchToQuery(sut.search).toString()).toBe('outcome=deny&period=all');
      // a bound left in the filter is not sent with "all time"
      expect(searchToQuery({ filter: { from: '2026-01-01T00:00:00Z' }, allTime: true }).toString()).toBe(
        'period=all',
      );
      expect(describePeriod(sut.search, now)).toMatch(/^Period: all time/);
    });

    it('describes the period in words', () => {
      expect(describePeriod({ filter: { from: periodStart('7d', now) }, allTime: false }, now)).toBe(
        'Period: from 2026-11-24T12:34:00Z to now (7 days).',
      );
      expect(describePeriod({ filter: { from: periodStart('24h', now) }, allTime: false }, now)).toBe(
        'Period: from 2026-11-30T12:34:00Z to now (24 hours).',
      );
      expect(
        describePeriod(
          { filter: { from: '2026-03-03T00:00:00Z', to: '2026-03-04T00:00:00Z' }, allTime: false },
          now,
        ),
      ).toBe('Period: from 2026-03-03T00:00:00Z to 2026-03-04T00:00:00Z (24 hours).');
      expect(describePeriod({ filter: { to: '2026-03-04T00:00:00Z' }, allTime: false }, now)).toBe(
        'Period: everything before 2026-03-04T00:00:00Z.',
      );
    });
  });
});
