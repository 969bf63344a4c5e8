import { AuditorTokens, hashToken, parseAuditorTokens } from './auditor.tokens';

describe(AuditorTokens.name, () => {
  const sut = new AuditorTokens(
    parseAuditorTokens(`alice:${hashToken('alice-secret')}, bob:${hashToken('bob-secret')}`),
  );

  it('names the auditor whose token matches', () => {
    expect(sut.authenticate('bob-secret')).toBe('bob');
  });

  it('knows nobody for a wrong or empty token', () => {
    expect(sut.authenticate('bob-secret ')).toBeUndefined();
    expect(sut.authenticate('')).toBeUndefined();
  });

  it('reads a file with comments and newlines', () => {
    expect(parseAuditorTokens(`# auditors\ncarol:${hashToken('c')}\n\n`).map((c) => c.name)).toEqual([
      'carol',
    ]);
  });

  it('refuses a malformed entry or a repeated name', () => {
    expect(() => parseAuditorTokens('alice:abc')).toThrow(/name:sha256hex/);
    expect(() => parseAuditorTokens(`a:${hashToken('1')},a:${hashToken('2')}`)).toThrow(/twice/);
  });
});
