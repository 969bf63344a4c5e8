import { RouteTable, withoutNulls } from './problem-details.filter';

describe(RouteTable.name, () => {
  it('answers the methods of the most specific route that matches a path', () => {
    const sut = new RouteTable();
    sut.add('/v1/access-requests', 'POST');
    sut.add('/v1/access-requests/batch', 'POST');
    sut.add('/v1/access-requests/:id', ['GET', 'HEAD']);
    expect(sut.allowed('/v1/access-requests/batch')).toEqual(['POST']);
    expect(sut.allowed('/v1/access-requests/r-1')).toEqual(['GET', 'HEAD']);
    expect(sut.allowed('/v1/nothing')).toBeUndefined();
  });
});

describe(withoutNulls.name, () => {
  it('drops null properties at every depth and keeps null array elements', () => {
    expect(withoutNulls({ a: null, b: { c: null, d: 1 }, e: [null, { f: null }], g: 'x' })).toEqual({
      b: { d: 1 },
      e: [null, {}],
      g: 'x',
    });
    expect(withoutNulls(null)).toBeNull();
  });

  it('keeps a __proto__ key an own property, so the validators still see and refuse it', () => {
    const sut = withoutNulls(JSON.parse('{"__proto__": {"isAdmin": true}}')) as object;
    expect(Object.keys(sut)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(sut)).toBe(Object.prototype);
  });
});
