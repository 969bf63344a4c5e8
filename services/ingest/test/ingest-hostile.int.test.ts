import { createHash, randomUUID } from 'node:crypto';
import { type AccessRequestedV1, Topics } from '@clearance/contracts';
import {
  aDecidedEvent,
  type Collector,
  freePort,
  type ServiceProcess,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
} from '@clearance/testing';
import { type Answer, ingestCaller } from './ingest.client';

// Hostile input found by probing (issue 16). Real parts: the ingest process and the test broker; the test plays
// the decision stage where one is needed.

const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');
const GATEWAY_KEY = `gw-${randomUUID()}`;

const aBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  subject: { userId: `user-${randomUUID()}`, claimedCountry: 'US' },
  network: { ip: '8.8.8.8' },
  resource: { model: 'frontier-1', action: 'inference' },
  ...overrides,
});

const call = ingestCaller(GATEWAY_KEY);
/** Raw strings are sent with only the headers given: these are JSON (malformed on purpose). */
const JSON_TYPE = { 'content-type': 'application/json' };

function expectProblem(answer: Answer, status: number, field?: string): void {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { status } });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (field !== undefined) {
    const fields = (answer.body['errors'] as { field: string }[] | undefined)?.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining([field]));
  }
}

describe('ingest under hostile input', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('ingest-hostile');
  let svc: ServiceProcess;
  let requested: Collector<AccessRequestedV1>;

  /** Messages on access.requested.v1 so far: the broker's own count. */
  async function publishedCount(): Promise<number> {
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(prefix + Topics.AccessRequested);
      return offsets.reduce((sum, p) => sum + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
  }

  beforeAll(async () => {
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessDecided]);
    requested = await kafka.collector<AccessRequestedV1>(prefix, Topics.AccessRequested);
    svc = await spawnService('ingest', {
      env: {
        KAFKA_TOPIC_PREFIX: prefix,
        INGEST_API_KEYS: `gateway:${sha256(GATEWAY_KEY)}`,
        // an audit store that never answers: GET of an unknown id must still be a 404
        AUDIT_URL: `http://127.0.0.1:${await freePort()}`,
        AUDIT_TOKEN: 'auditor-token',
        AUDIT_TIMEOUT_MS: '500',
      },
    });
    await svc.waitReady();
  });

  afterAll(async () => {
    await svc?.stop();
    await requested?.stop();
    await kafka.disconnect();
  });

  describe('a requestId is bound to the first body that used it (item 2)', () => {
    it('answers 409 to another body with the same requestId under another key, never the first decision', async () => {
      const requestId = `r-${randomUUID()}`;
      const us = aBody({ requestId });
      const first = await call(svc, '/v1/access-requests', {
        body: us,
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(first.status).toBe(202);
      const seen = await requested.waitFor((m) => m.some((x) => x.event.requestId === requestId));
      const published = seen.find((x) => x.event.requestId === requestId)!.event;
      await kafka.produce(prefix, Topics.AccessDecided, [aDecidedEvent({ request: published.request })]);

      const kp = aBody({ requestId, network: { ip: '175.45.176.1' } });
      const attempts: Record<string, string>[] = [
        { 'idempotency-key': randomUUID(), prefer: 'wait=5' },
        { prefer: 'wait=5' },
      ];
      for (const headers of attempts) {
        expectProblem(await call(svc, '/v1/access-requests', { body: kp, headers }), 409);
      }
      const batch = await call(svc, '/v1/access-requests/batch', { body: { requests: [kp] } });
      expect(batch.status).toBe(200);
      expect((batch.body['results'] as { status: number }[]).map((r) => r.status)).toEqual([409]);
    });

    it('answers the same body with the same requestId under a new key as a replay, publishing nothing', async () => {
      const requestId = `r-${randomUUID()}`;
      const body = aBody({ requestId });
      const before = await publishedCount();
      expect(
        (await call(svc, '/v1/access-requests', { body, headers: { 'idempotency-key': randomUUID() } }))
          .status,
      ).toBe(202);
      const again = await call(svc, '/v1/access-requests', {
        body,
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(again.status).toBe(202);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body['requestId']).toBe(requestId);
      // both answers came after the broker acknowledged whatever they published: the broker's count is final
      expect(await publishedCount()).toBe(before + 1);
    });
  });

  describe('every malformed body is a 400 naming the field, and leaves no claim behind (item 3)', () => {
    const base = aBody();
    const cases: { name: string; body: unknown; field: string }[] = [
      { name: 'no subject', body: { ...base, subject: undefined }, field: 'subject' },
      { name: 'no network', body: { ...base, network: undefined }, field: 'network' },
      { name: 'no resource', body: { ...base, resource: undefined }, field: 'resource' },
      { name: 'empty object', body: {}, field: 'subject' },
      { name: 'null subject', body: { ...base, subject: null }, field: 'subject' },
      { name: 'subject a list', body: { ...base, subject: [{ userId: 'u' }] }, field: 'subject' },
      { name: 'network a string', body: { ...base, network: '8.8.8.8' }, field: 'network' },
    ];

    it('answers 400 with the field on the single route and per batch item, publishing nothing', async () => {
      const before = await publishedCount();
      for (const c of cases) {
        const answer = await call(svc, '/v1/access-requests', { body: c.body as object });
        expect({ name: c.name, status: answer.status }).toEqual({ name: c.name, status: 400 });
        expectProblem(answer, 400, c.field);
      }
      const batch = await call(svc, '/v1/access-requests/batch', {
        body: { requests: cases.map((c) => ({ ...(c.body as object), requestId: `r-${randomUUID()}` })) },
      });
      expect(batch.status).toBe(200);
      const results = batch.body['results'] as { status: number; body: { errors?: { field: string }[] } }[];
      expect(results.map((r) => r.status)).toEqual(cases.map(() => 400));
      results.forEach((r, i) => expect(r.body.errors?.map((e) => e.field)).toContain(cases[i]!.field));
      expect(await publishedCount()).toBe(before);
    });

    it('answers a valid item again after it shared a batch with broken ones', async () => {
      const good = aBody({ requestId: `r-${randomUUID()}` });
      const first = await call(svc, '/v1/access-requests/batch', {
        body: { requests: [good, { ...aBody(), subject: undefined, requestId: `r-${randomUUID()}` }, {}] },
      });
      expect(first.status).toBe(200);
      expect((first.body['results'] as { status: number }[]).map((r) => r.status)).toEqual([202, 400, 400]);
      const retry = await call(svc, '/v1/access-requests', { body: good });
      expect(retry.status).toBe(202);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
    });

    it('answers 400 to JSON nested 10,000 deep, in a body and in a batch', async () => {
      const deep = '{"x":'.repeat(10_000) + '1' + '}'.repeat(10_000);
      const single = await call(svc, '/v1/access-requests', {
        body: `{"subject":{"userId":"u"},"network":{"ip":"8.8.8.8"},"resource":{"model":"m","action":"inference"},"extra":${deep}}`,
        headers: JSON_TYPE,
      });
      expectProblem(single, 400);
      expect(String(single.body['detail'])).toMatch(/deeper than/);
      expectProblem(
        await call(svc, '/v1/access-requests/batch', { body: `{"requests":[${deep}]}`, headers: JSON_TYPE }),
        400,
      );
      expectProblem(
        await call(svc, '/v1/access-requests', {
          body: '['.repeat(20_000) + ']'.repeat(20_000),
          headers: JSON_TYPE,
        }),
        400,
      );
      expect((await fetch(`${svc.baseUrl}/health/live`)).status).toBe(200);
    });
  });

  describe('the smaller holes (item 7)', () => {
    it('refuses a key given twice anywhere in a body, and a charset other than UTF-8', async () => {
      const before = await publishedCount();
      const twice = `{"subject":{"userId":"u"},"network":{"ip":"8.8.8.8","ip":"175.45.176.1"},"resource":{"model":"m","action":"inference"}}`;
      expectProblem(
        await call(svc, '/v1/access-requests', { body: twice, headers: JSON_TYPE }),
        400,
        'network.ip',
      );
      expectProblem(
        await call(svc, '/v1/access-requests/batch', { body: `{"requests":[${twice}]}`, headers: JSON_TYPE }),
        400,
        'requests[0].network.ip',
      );
      const utf16 = await call(svc, '/v1/access-requests', {
        body: aBody(),
        headers: { 'content-type': 'application/json; charset=utf-16' },
      });
      expectProblem(utf16, 415);
      expect(await publishedCount()).toBe(before);
    });

    it('sends nosniff and no-store with its JSON, errors included', async () => {
      for (const answer of [
        await call(svc, '/v1/access-requests', { body: aBody() }),
        await call(svc, '/v1/access-requests', { body: {} }),
        await call(svc, '/v1/access-requests', { key: null }),
      ]) {
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
        expect(answer.headers.get('cache-control')).toBe('no-store');
      }
    });

    it('answers 404 for an unknown request while the audit store does not answer', async () => {
      const answer = await call(svc, `/v1/access-requests/${randomUUID()}`);
      expectProblem(answer, 404);
    });

    it('answers a 129-character id with a problem document', async () => {
      expectProblem(await call(svc, `/v1/access-requests/${'a'.repeat(129)}`), 404);
    });
  });

  describe('the OpenAPI document says what the server does (item 8)', () => {
    it('answers 405 with Allow to a method a path does not have', async () => {
      const answer = await call(svc, '/v1/access-requests', { method: 'DELETE' });
      expectProblem(answer, 405);
      expect(answer.headers.get('allow')).toBe('POST');
      expect((await call(svc, `/v1/access-requests/${randomUUID()}`, { method: 'PUT' })).status).toBe(405);
    });

    it('documents every error as application/problem+json, and 401, 405 and 429 on every operation', async () => {
      const doc = (await (await fetch(`${svc.baseUrl}/docs/openapi.json`)).json()) as {
        paths: Record<
          string,
          Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
        >;
      };
      for (const [path, item] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/v1/'))) {
        for (const [method, op] of Object.entries(item)) {
          const statuses = Object.keys(op.responses);
          expect({ path, method, statuses }).toEqual({
            path,
            method,
            statuses: expect.arrayContaining(['400', '401', '405', '429']),
          });
          for (const [status, response] of Object.entries(op.responses)) {
            if (Number(status) >= 400)
              expect(Object.keys(response.content ?? {})).toEqual(['application/problem+json']);
          }
        }
      }
    });
  });

  describe('claimedCountry has one spelling (item 5)', () => {
    it('refuses a lower-case country at the edge, single and in a batch, and publishes nothing', async () => {
      const before = await publishedCount();
      for (const country of ['kp', 'Ir', 'cU']) {
        const body = aBody({ subject: { userId: `u-${randomUUID()}`, claimedCountry: country } });
        expectProblem(await call(svc, '/v1/access-requests', { body }), 400, 'subject.claimedCountry');
        const batch = await call(svc, '/v1/access-requests/batch', { body: { requests: [body] } });
        expect((batch.body['results'] as { status: number }[]).map((r) => r.status)).toEqual([400]);
      }
      expect(await publishedCount()).toBe(before);
      const upper = aBody({ subject: { userId: `u-${randomUUID()}`, claimedCountry: 'KP' } });
      expect((await call(svc, '/v1/access-requests', { body: upper })).status).toBe(202);
    });
  });
});

describe('ingest rate limits per key and per address (item 6)', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('ingest-limits');
  const keys = { gateway: GATEWAY_KEY, console: `c-${randomUUID()}`, third: `t-${randomUUID()}` };
  const keyList = Object.entries(keys)
    .map(([name, key]) => `${name}:${sha256(key)}`)
    .join(',');
  const limits = {
    INGEST_API_KEYS: keyList,
    INGEST_RATE_LIMIT: '20',
    INGEST_ADDRESS_RATE_LIMIT: '12',
    INGEST_RATE_WINDOW_MS: '600000',
    INGEST_AUTH_FAILURE_LIMIT: '5',
    INGEST_AUTH_FAILURE_WINDOW_MS: '600000',
  };
  let behindProxy: ServiceProcess;
  let direct: ServiceProcess;
  const from = (address: string): Record<string, string> => ({ 'x-forwarded-for': address });

  beforeAll(async () => {
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessDecided]);
    const env = { KAFKA_TOPIC_PREFIX: prefix, ...limits };
    [behindProxy, direct] = await Promise.all([
      spawnService('ingest', { env: { ...env, HTTP_TRUSTED_PROXIES: '127.0.0.1' } }),
      spawnService('ingest', { env }),
    ]);
    await Promise.all([behindProxy.waitReady(), direct.waitReady()]);
  });

  afterAll(async () => {
    await Promise.all([behindProxy?.stop(), direct?.stop()]);
    await kafka.disconnect();
  });

  function expectLimited(answer: Answer): void {
    expectProblem(answer, 429);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
  }

  it('limits a key, whatever addresses it calls from', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const answer = await call(behindProxy, '/v1/access-requests', {
        body: aBody(),
        headers: from(`198.51.100.${i % 5}`),
      });
      statuses.push(answer.status);
      if (answer.status === 429) expectLimited(answer);
    }
    expect(statuses).toEqual([...Array.from({ length: 20 }, () => 202), 429, 429]);
  });

  it('counts every item of a batch', async () => {
    const batch = (n: number): object => ({ requests: Array.from({ length: n }, () => aBody()) });
    const headers = from('198.51.100.50');
    const first = await call(behindProxy, '/v1/access-requests/batch', {
      key: keys.console,
      body: batch(15),
      headers,
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('5');
    expectLimited(
      await call(behindProxy, '/v1/access-requests/batch', { key: keys.console, body: batch(10), headers }),
    );
  });

  it('throttles a flood of wrong keys from one address before the key check, valid keys included', async () => {
    const headers = from('203.0.113.66');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push(
        (await call(behindProxy, `/v1/access-requests/${randomUUID()}`, { key: `wrong-${i}`, headers }))
          .status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    expectLimited(
      await call(behindProxy, `/v1/access-requests/${randomUUID()}`, { key: keys.third, headers }),
    );
    // another address with the same valid key is not affected
    const other = await call(behindProxy, `/v1/access-requests/${randomUUID()}`, {
      key: keys.third,
      headers: from('203.0.113.67'),
    });
    expect(other.status).toBe(404);
  });

  it('limits each source address, whatever the key', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) {
      const key = keys.third;
      statuses.push(
        (await call(behindProxy, `/v1/access-requests/${randomUUID()}`, { key, headers: from('192.0.2.99') }))
          .status,
      );
    }
    expect(statuses.slice(0, 12).every((s) => s !== 429)).toBe(true);
    expect(statuses[12]).toBe(429);
  });

  it('does not believe X-Forwarded-For from an untrusted peer: a forged address does not escape the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) {
      const answer = await call(direct, `/v1/access-requests/${randomUUID()}`, {
        key: i % 2 === 0 ? keys.third : keys.console,
        headers: from(`192.0.2.${i}`),
      });
      statuses.push(answer.status);
    }
    expect(statuses.slice(0, 12)).toEqual(Array.from({ length: 12 }, () => 404));
    expect(statuses[12]).toBe(429);
  });
});
