import { charsetOf, jsonShapeProblem } from './strict-json.parser';

describe(jsonShapeProblem.name, () => {
  const sut = jsonShapeProblem;

  it('lets ordinary JSON through', () => {
    expect(sut('{"a":{"b":[1,{"c":"x\\"y"}]},"d":"{[,"}')).toBeUndefined();
    expect(sut('[{"a":1},{"a":2}]')).toBeUndefined();
  });

  it('names a key given twice in one object, at any depth', () => {
    expect(sut('{"a":1,"a":2}')).toEqual({ field: 'a', message: 'a is given more than once' });
    expect(sut('{"network":{"ip":"8.8.8.8","ip":"175.45.176.1"}}')?.field).toBe('network.ip');
    expect(sut('{"requests":[{"x":1},{"y":{"z":1,"\\u007a":2}}]}')?.field).toBe('requests[1].y.z');
  });

  it('refuses nesting deeper than the limit without recursing', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(sut(deep, 32)).toEqual({
      field: expect.any(String),
      message: 'JSON nested deeper than 32 levels',
    });
    expect(sut('{"a":'.repeat(10) + '1' + '}'.repeat(10), 32)).toBeUndefined();
  });

  it('leaves text that is not JSON to the parser', () => {
    expect(sut('{"a":')).toBeUndefined();
    expect(sut('"unterminated')).toBeUndefined();
  });
});

describe(charsetOf.name, () => {
  it('reads the charset parameter', () => {
    expect(charsetOf('application/json; charset=UTF-16')).toBe('utf-16');
    expect(charsetOf('application/json;charset="utf-8"')).toBe('utf-8');
    expect(charsetOf('application/json')).toBeUndefined();
    expect(charsetOf(undefined)).toBeUndefined();
  });
});
