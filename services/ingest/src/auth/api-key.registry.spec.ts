import crypto from 'node:crypto';
import { ApiKeyRegistry, parseKeyFile, parseKeyList, sha256 } from './api-key.registry';
import { DEV_API_KEY, DEV_CLIENT_NAME } from './dev-key';

const hex = (key: string): string => sha256(key).toString('hex');

describe(ApiKeyRegistry.name, () => {
  const sources = {
    INGEST_API_KEYS: `gateway:${hex('gw-secret')},console:${hex('console-secret')}`,
  };

  it('accepts a configured key and names its client', () => {
    const sut = ApiKeyRegistry.fromSources(sources);
    expect(sut.authenticate('Bearer gw-secret')).toEqual({ ok: true, client: 'gateway' });
    expect(sut.authenticate('bearer console-secret')).toEqual({ ok: true, client: 'console' });
  });

  it('refuses missing, malformed and unknown keys', () => {
    const sut = ApiKeyRegistry.fromSources(sources);
    expect(sut.authenticate(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(sut.authenticate('Basic Z3c6c2VjcmV0')).toEqual({ ok: false, reason: 'malformed' });
    expect(sut.authenticate('Bearer gw-secreT')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses a revoked key', () => {
    const sut = ApiKeyRegistry.fromSources(
      {
        INGEST_API_KEYS_FILE: '/keys.yaml',
      },
      () =>
        `- name: old\n  sha256: ${hex('old-secret')}\n  revoked: true\n- name: new\n  sha256: ${hex('new-secret')}\n`,
    );
    expect(sut.authenticate('Bearer old-secret')).toEqual({ ok: false, reason: 'revoked' });
    expect(sut.authenticate('Bearer new-secret')).toEqual({ ok: true, client: 'new' });
  });

  it('keeps only hashes and compares every one of them in constant time', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    const sut = ApiKeyRegistry.fromSources(sources);
    expect(JSON.stringify(sut)).not.toContain('gw-secret');

    sut.authenticate('Bearer gw-secret');

    // Both stored keys are compared even though the first one matched.
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });

  it('falls back to the documented development key outside production only', () => {
    const sut = ApiKeyRegistry.fromSources({ NODE_ENV: 'development' });
    expect(sut.usesDevKey).toBe(true);
    expect(sut.authenticate(`Bearer ${DEV_API_KEY}`)).toEqual({ ok: true, client: DEV_CLIENT_NAME });
    expect(() => ApiKeyRegistry.fromSources({ NODE_ENV: 'production' })).toThrow('INGEST_API_KEYS');
  });
});

describe(parseKeyList.name, () => {
  it('rejects an entry without a valid hash', () => {
    expect(() => parseKeyList('gateway:abc')).toThrow('64 hex digits');
    expect(() => parseKeyList('gateway')).toThrow('64 hex digits');
  });
});

describe(parseKeyFile.name, () => {
  it('reads JSON as well as YAML, as a list or under clients', () => {
    const json = JSON.stringify({ clients: [{ name: 'a', sha256: hex('k'), revoked: false }] });
    expect(parseKeyFile(json).map((k) => k.name)).toEqual(['a']);
  });

  it('names the broken entry', () => {
    expect(() => parseKeyFile('[{"name": "a b", "sha256": "00"}]', 'keys.json')).toThrow('keys.json[0]');
  });
});
