import { filterFromQuery, filterToQuery, parseFilter } from './console.filters';

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
});
