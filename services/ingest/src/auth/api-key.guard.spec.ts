import { bearerTokenHash } from '@clearance/platform';
import { apiKeysFromEnv } from './api-key.guard';
import { DEV_API_KEY, DEV_CLIENT_NAME } from './dev-key';

describe(apiKeysFromEnv.name, () => {
  it('reads the configured keys', () => {
    const sut = apiKeysFromEnv({ INGEST_API_KEYS: `gateway:${bearerTokenHash('gw-secret')}` });
    expect(sut.usesDevKey).toBe(false);
    expect(sut.registry.authenticate('Bearer gw-secret')).toEqual({ ok: true, name: 'gateway' });
    expect(sut.registry.authenticate(`Bearer ${DEV_API_KEY}`)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('falls back to the documented development key outside production only', () => {
    const sut = apiKeysFromEnv({ NODE_ENV: 'development' });
    expect(sut.usesDevKey).toBe(true);
    expect(sut.registry.authenticate(`Bearer ${DEV_API_KEY}`)).toEqual({ ok: true, name: DEV_CLIENT_NAME });
    expect(() => apiKeysFromEnv({ NODE_ENV: 'production' })).toThrow('INGEST_API_KEYS');
  });
});
