import crypto from 'node:crypto';
import {
  BearerTokenRegistry,
  bearerTokenHash,
  parseBearerTokenDocument,
  parseBearerTokenList,
  type BearerRole,
} from './bearer-token.registry';

const hex = bearerTokenHash;
const role: BearerRole = {
  listVariable: 'TOKENS',
  fileVariable: 'TOKENS_FILE',
  fileFormat: 'yaml',
  names: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
  oneTokenPerName: false,
};
const lineRole: BearerRole = {
  ...role,
  fileFormat: 'lines',
  names: /^[A-Za-z0-9._@-]{1,64}$/,
  oneTokenPerName: true,
};

describe(BearerTokenRegistry.name, () => {
  const sources = { list: `gateway:${hex('gw-secret')},console:${hex('console-secret')}` };

  it('accepts a configured token and names its holder', () => {
    const sut = BearerTokenRegistry.fromSources(role, sources);
    expect(sut.authenticate('Bearer gw-secret')).toEqual({ ok: true, name: 'gateway' });
    expect(sut.authenticate('bearer console-secret')).toEqual({ ok: true, name: 'console' });
  });

  it('refuses missing, malformed and unknown tokens', () => {
    const sut = BearerTokenRegistry.fromSources(role, sources);
    expect(sut.authenticate(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(sut.authenticate('Basic Z3c6c2VjcmV0')).toEqual({ ok: false, reason: 'malformed' });
    expect(sut.authenticate('Bearer gw-secreT')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('knows nobody for a wrong or empty token', () => {
    const sut = BearerTokenRegistry.fromSources(role, sources);
    expect(sut.check('gw-secret ')).toEqual({ ok: false, reason: 'unknown' });
    expect(sut.check('')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses a revoked token', () => {
    const sut = BearerTokenRegistry.fromSources(
      role,
      { file: '/keys.yaml' },
      () =>
        `- name: old\n  sha256: ${hex('old-secret')}\n  revoked: true\n- name: new\n  sha256: ${hex('new-secret')}\n`,
    );
    expect(sut.authenticate('Bearer old-secret')).toEqual({ ok: false, reason: 'revoked' });
    expect(sut.authenticate('Bearer new-secret')).toEqual({ ok: true, name: 'new' });
  });

  it('keeps only hashes and compares every one of them in constant time', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    const sut = BearerTokenRegistry.fromSources(role, sources);
    expect(JSON.stringify(sut)).not.toContain('gw-secret');

    sut.authenticate('Bearer gw-secret');

    // Both stored tokens are compared even though the first one matched.
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });

  it('reads a lines file with comments beside the inline list', () => {
    const sut = BearerTokenRegistry.fromSources(
      lineRole,
      { list: `alice:${hex('alice-secret')}`, file: '/tokens' },
      () => `# auditors\ncarol:${hex('c')}\n\n`,
    );
    expect(sut.size).toBe(2);
    expect(sut.check('c')).toEqual({ ok: true, name: 'carol' });
  });

  it('refuses a repeated name where the role allows one token per name', () => {
    const list = `a:${hex('1')},a:${hex('2')}`;
    expect(() => BearerTokenRegistry.fromSources(lineRole, { list })).toThrow(/twice/);
    expect(BearerTokenRegistry.fromSources(role, { list }).size).toBe(2);
  });
});

describe(parseBearerTokenList.name, () => {
  it('reads one entry per line or comma, with comments', () => {
    expect(parseBearerTokenList(lineRole, `# ops\ncarol:${hex('c')}\n\n`).map((t) => t.name)).toEqual([
      'carol',
    ]);
  });

  it('rejects an entry without a valid hash', () => {
    expect(() => parseBearerTokenList(role, 'gateway:abc')).toThrow('64 hex digits');
    expect(() => parseBearerTokenList(role, 'gateway')).toThrow('64 hex digits');
    expect(() => parseBearerTokenList(lineRole, 'alice:notahash')).toThrow(/name:sha256hex/);
  });

  it('rejects a name the role does not allow, naming the variable and entry', () => {
    expect(() => parseBearerTokenList(role, `ok:${hex('1')},a b:${hex('2')}`)).toThrow('TOKENS[1]');
  });
});

describe(parseBearerTokenDocument.name, () => {
  it('reads JSON as well as YAML, as a list or under clients', () => {
    const json = JSON.stringify({ clients: [{ name: 'a', sha256: hex('k'), revoked: false }] });
    expect(parseBearerTokenDocument(role, json).map((k) => k.name)).toEqual(['a']);
  });

  it('names the broken entry', () => {
    expect(() => parseBearerTokenDocument(role, '[{"name": "a b", "sha256": "00"}]', 'keys.json')).toThrow(
      'keys.json[0]',
    );
  });
});
