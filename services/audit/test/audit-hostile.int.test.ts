import { randomUUID } from 'node:crypto';
import { ACCESS_TOPICS } from '@clearance/contracts';
import { TestKafka, spawnService, uniqueTopicPrefix, type ServiceProcess } from '@clearance/testing';
import { bearerTokenHash as hashToken } from '@clearance/platform';
import { mongoUriFor } from './audit-store.harness';

// Hostile input against the auditor API (issue 16, item 7). Real: the audit process, the broker, FerretDB.
describe('audit API under hostile input', () => {
  const prefix = uniqueTopicPrefix('audit-hostile');
  const kafka = new TestKafka();
  const token = `alice-${randomUUID()}`;
  let service: ServiceProcess;

  const get = (path: string, auth: string | null = token): Promise<Response> =>
    fetch(`${service.baseUrl}${path}`, auth === null ? {} : { headers: { authorization: `Bearer ${auth}` } });

  beforeAll(async () => {
    await kafka.createTopics(prefix, ACCESS_TOPICS);
    service = await spawnService('audit', {
      env: {
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_GROUP_ID: `clearance-audit-${prefix}`,
        MONGODB_URI: mongoUriFor(`audit_hostile_${randomUUID().slice(0, 8)}`),
        AUDITOR_TOKENS: `alice:${hashToken(token)}`,
      },
    });
    await service.waitReady();
  });

  afterAll(async () => {
    await service?.stop();
    await kafka.disconnect();
  });

  it('answers 401 with WWW-Authenticate, with and without a token', async () => {
    const none = await get('/v1/audit/requests', null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="clearance-audit"');
    const wrong = await get('/v1/audit/requests', 'not-a-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('sends nosniff and no-store with API JSON', async () => {
    for (const path of ['/v1/audit/requests', `/v1/audit/requests/${randomUUID()}`, '/v1/audit/stats']) {
      const res = await get(path);
      expect({ path, nosniff: res.headers.get('x-content-type-options') }).toEqual({
        path,
        nosniff: 'nosniff',
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('answers a 129-character id with a problem document, not a bare 414', async () => {
    const res = await get(`/v1/audit/requests/${'a'.repeat(129)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const long = await get(`/v1/audit/requests/${'a'.repeat(1500)}`);
    expect(long.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
