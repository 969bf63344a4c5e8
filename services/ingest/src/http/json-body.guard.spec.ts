import { isJsonContentType } from './json-body.guard';

describe(isJsonContentType.name, () => {
  const sut = isJsonContentType;

  it('accepts JSON media types with parameters', () => {
    expect(sut('application/json')).toBe(true);
    expect(sut('Application/JSON; charset=utf-8')).toBe(true);
    expect(sut('application/vnd.clearance+json')).toBe(true);
  });

  it('refuses everything else', () => {
    expect(sut(undefined)).toBe(false);
    expect(sut('text/plain')).toBe(false);
    expect(sut('application/x-www-form-urlencoded')).toBe(false);
    expect(sut('application/jsonx')).toBe(false);
    expect(sut('text/json')).toBe(false);
  });
});
