import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AccessRequestedV1, Topics, validateEvent } from '@clearance/contracts';
import {
  aDecidedEvent,
  type Collector,
  freePort,
  pollUntil,
  type ServiceProcess,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
} from '@clearance/testing';
import { type Answer, ingestCaller } from './ingest.client';

// Real parts: the ingest process, the test broker. The test itself plays the decision stage where needed.

const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');
const GATEWAY_KEY = `gw-${randomUUID()}`;
const REVOKED_KEY = `old-${randomUUID()}`;
const LIMITED_KEY = `lim-${randomUUID()}`;

const aBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  subject: {
    userId: `user-${randomUUID()}`,
    organizationId: 'org-1',
    name: 'Jane Example',
    claimedCountry: 'US',
  },
  network: { ip: '203.0.113.10', forwardedFor: ['198.51.100.7'], userAgent: 'gateway/1.0' },
  resource: { model: 'frontier-1', action: 'inference' },
  ...overrides,
});

const call = ingestCaller(GATEWAY_KEY);

function expectProblem(answer: Answer, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
}

describe('ingest service', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('ingest');
  const keysDir = mkdtempSync(join(tmpdir(), 'ingest-keys-'));
  let svc: ServiceProcess;
  let requested: Collector<AccessRequestedV1>;
  const keysFile = join(keysDir, 'keys.json');

  /** Messages on access.requested.v1 so far: the broker's own count, not what a consumer happened to see. */
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
    writeFileSync(
      keysFile,
      JSON.stringify([
        { name: 'gateway', sha256: sha256(GATEWAY_KEY) },
        { name: 'old-console', sha256: sha256(REVOKED_KEY), revoked: true },
      ]),
    );
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessDecided]);
    requested = await kafka.collector<AccessRequestedV1>(prefix, Topics.AccessRequested);
    svc = await spawnService('ingest', {
      env: { KAFKA_TOPIC_PREFIX: prefix, INGEST_API_KEYS_FILE: keysFile },
    });
    await svc.waitReady();
  });

  afterAll(async () => {
    await svc?.stop();
    await requested?.stop();
    await kafka.disconnect();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('puts a valid request on access.requested.v1, keyed by requestId, with CloudEvents headers', async () => {
    const body = aBody();
    const answer = await call(svc, '/v1/access-requests', { body });

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ requestId: expect.any(String), status: 'pending' });
    const requestId = answer.body['requestId'] as string;
    expect(answer.headers.get('location')).toBe(`/v1/access-requests/${requestId}`);

    const [message] = (await requested.waitFor((m) => m.some((x) => x.event.requestId === requestId))).filter(
      (m) => m.event.requestId === requestId,
    );
    expect(message!.key).toBe(requestId);
    expect(message!.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: message!.event.eventId,
      ce_type: 'ai.clearance.access.requested.v1',
      ce_source: '/clearance/ingest',
      ce_time: message!.event.time,
      'content-type': 'application/json',
    });
    expect(validateEvent(Topics.AccessRequested, message!.event)).toMatchObject({ ok: true });
    expect(message!.event.request).toEqual({
      ...body,
      requestId,
      client: 'gateway',
      occurredAt: message!.event.time,
    });
    expect(message!.event.producer).toBe('ingest');
  });

  it('answers every class of bad input with its status and problem details, and publishes nothing', async () => {
    const before = await publishedCount();
    const cases: { name: string; status: number; field?: string; init: Parameters<typeof call>[2] }[] = [
      {
        name: 'missing userId',
        status: 400,
        field: 'subject.userId',
        init: { body: aBody({ subject: {} }) },
      },
      {
        name: 'bad ip',
        status: 400,
        field: 'network.ip',
        init: { body: aBody({ network: { ip: '999.1.1.1' } }) },
      },
      {
        name: 'bad forwardedFor',
        status: 400,
        field: 'network.forwardedFor',
        init: { body: aBody({ network: { ip: '203.0.113.10', forwardedFor: ['nope'] } }) },
      },
      {
        name: 'bad country',
        status: 400,
        field: 'subject.claimedCountry',
        init: { body: aBody({ subject: { userId: 'u', claimedCountry: 'USA' } }) },
      },
      {
        name: 'bad action',
        status: 400,
        field: 'resource.action',
        init: { body: aBody({ resource: { model: 'm', action: 'Drop Table' } }) },
      },
      { name: 'unknown field', status: 400, field: 'isAdmin', init: { body: aBody({ isAdmin: true }) } },
      {
        name: 'unknown nested field',
        status: 400,
        field: 'subject.role',
        init: { body: aBody({ subject: { userId: 'u', role: 'x' } }) },
      },
      {
        name: 'bad requestId',
        status: 400,
        field: 'requestId',
        init: { body: aBody({ requestId: '../etc' }) },
      },
      {
        name: 'bad occurredAt',
        status: 400,
        field: 'occurredAt',
        init: { body: aBody({ occurredAt: 'yesterday' }) },
      },
      {
        name: 'body not an object',
        status: 400,
        init: { body: '[1,2]', headers: { 'content-type': 'application/json' } },
      },
      {
        name: 'malformed JSON',
        status: 400,
        init: { body: '{"subject":', headers: { 'content-type': 'application/json' } },
      },
      {
        name: 'bad Idempotency-Key',
        status: 400,
        field: 'Idempotency-Key',
        init: { body: aBody(), headers: { 'idempotency-key': 'x'.repeat(300) } },
      },
      {
        name: 'over 64 KiB',
        status: 413,
        init: { body: aBody({ subject: { userId: 'u', name: 'x'.repeat(70 * 1024) } }) },
      },
      {
        name: 'text/plain',
        status: 415,
        init: { body: JSON.stringify(aBody()), headers: { 'content-type': 'text/plain' } },
      },
      {
        name: 'form',
        status: 415,
        init: { body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      },
      { name: 'xml', status: 415, init: { body: '<a/>', headers: { 'content-type': 'application/xml' } } },
      { name: 'no content type', status: 415, init: { body: JSON.stringify(aBody()), headers: {} } },
    ];

    for (const c of cases) {
      const answer = await call(svc, '/v1/access-requests', c.init);
      expectProblem(answer, c.status);
      if (c.field) {
        const fields = (answer.body['errors'] as { field: string }[] | undefined)?.map((e) => e.field);
        expect({ name: c.name, fields }).toEqual({ name: c.name, fields: expect.arrayContaining([c.field]) });
      }
    }
    const batchCases = [
      { name: 'batch over 500', body: { requests: Array.from({ length: 501 }, () => aBody()) } },
      { name: 'batch empty', body: { requests: [] } },
      { name: 'batch not a list', body: { requests: aBody() } },
    ];
    for (const c of batchCases)
      expectProblem(await call(svc, '/v1/access-requests/batch', { body: c.body }), 400);

    expect(await publishedCount()).toBe(before);
  });

  it('answers 401 to missing, wrong and revoked keys', async () => {
    const before = await publishedCount();
    for (const key of [null, 'not-a-key', REVOKED_KEY]) {
      const answer = await call(svc, '/v1/access-requests', { key, body: aBody() });
      expectProblem(answer, 401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="clearance"/);
    }
    expectProblem(
      await call(svc, '/v1/access-requests', {
        key: null,
        headers: { authorization: 'Basic Z3c6eA==' },
        body: aBody(),
      }),
      401,
    );
    expectProblem(await call(svc, `/v1/access-requests/${randomUUID()}`, { key: REVOKED_KEY }), 401);
    expect(await publishedCount()).toBe(before);
    // health, metrics and docs stay open
    expect((await call(svc, '/health/live', { key: null })).status).toBe(200);
    expect((await fetch(`${svc.baseUrl}/docs/openapi.json`)).status).toBe(200);
  });

  it('replays an idempotent request without publishing again, and refuses the key with another body', async () => {
    const body = aBody();
    const key = randomUUID();
    const before = await publishedCount();

    const first = await call(svc, '/v1/access-requests', { body, headers: { 'idempotency-key': key } });
    const replay = await call(svc, '/v1/access-requests', { body, headers: { 'idempotency-key': key } });
    const other = await call(svc, '/v1/access-requests', {
      body: aBody(),
      headers: { 'idempotency-key': key },
    });

    expect(first.status).toBe(202);
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expectProblem(other, 409);
    expect(await publishedCount()).toBe(before + 1);

    // the requestId is an idempotency key too
    const withId = aBody({ requestId: `req-${randomUUID()}` });
    expect((await call(svc, '/v1/access-requests', { body: withId })).status).toBe(202);
    expect((await call(svc, '/v1/access-requests', { body: withId })).body).toEqual({
      requestId: withId['requestId'],
      status: 'pending',
    });
    expect(await publishedCount()).toBe(before + 2);
  });

  it('validates batch items one by one and publishes the valid ones', async () => {
    const before = await publishedCount();
    const answer = await call(svc, '/v1/access-requests/batch', {
      body: { requests: [aBody(), aBody({ network: { ip: 'bad' } }), aBody({ extra: 1 }), aBody()] },
    });

    expect(answer.status).toBe(200);
    const results = answer.body['results'] as {
      index: number;
      status: number;
      body: Record<string, unknown>;
    }[];
    expect(results.map((r) => r.status)).toEqual([202, 400, 400, 202]);
    expect(results[1]!.body).toMatchObject({ status: 400, errors: [{ field: 'network.ip' }] });
    expect(await publishedCount()).toBe(before + 2);
  });

  /** Plays the decision stage: waits for the requests of these users and publishes a decision for each. */
  async function decide(
    userIds: string[],
    decision: Parameters<typeof aDecidedEvent>[0] = {},
  ): Promise<void> {
    const wanted = new Set(userIds);
    const seen = await requested.waitFor(
      (m) =>
        new Set(m.map((x) => x.event.request.subject.userId).filter((u) => wanted.has(u))).size ===
        wanted.size,
    );
    const events = seen.filter((m) => wanted.has(m.event.request.subject.userId)).map((m) => m.event);
    await kafka.produce(
      prefix,
      Topics.AccessDecided,
      events.map((e) => aDecidedEvent({ ...decision, request: e.request })),
    );
  }

  const userOf = (body: Record<string, unknown>): string => (body['subject'] as { userId: string }).userId;

  it('answers with the decision when it arrives within Prefer: wait', async () => {
    const body = aBody();
    const decider = decide([userOf(body)], {
      decision: {
        outcome: 'deny',
        reasons: [{ code: 'GEO_EMBARGOED_COUNTRY', message: 'embargoed' }],
        policy: { id: 'default', version: '7', hash: 'sha256:abc' },
      },
    });

    const answer = await call(svc, '/v1/access-requests', { body, headers: { prefer: 'wait=10' } });
    await decider;

    expect(answer.status).toBe(200);
    expect(answer.headers.get('preference-applied')).toBe('wait=10');
    expect(answer.body).toMatchObject({
      status: 'decided',
      decision: {
        outcome: 'deny',
        reasons: [{ code: 'GEO_EMBARGOED_COUNTRY', message: 'embargoed' }],
        policy: { id: 'default', version: '7', hash: 'sha256:abc' },
      },
    });
    const requestId = answer.body['requestId'] as string;
    const lookup = await call(svc, `/v1/access-requests/${requestId}`);
    expect(lookup.status).toBe(200);
    expect(lookup.body).toMatchObject({ requestId, status: 'decided', decision: { outcome: 'deny' } });
  });

  it('answers a GET with a decision that arrived while nobody waited (kept as bytes, parsed on the GET)', async () => {
    const body = aBody();
    const decider = decide([userOf(body)], {
      decision: {
        outcome: 'challenge',
        reasons: [{ code: 'SCREENING_POTENTIAL_MATCH', message: 'possible match' }],
      },
    });
    const answer = await call(svc, '/v1/access-requests', { body });
    expect(answer.status).toBe(202);
    await decider;
    const requestId = answer.body['requestId'] as string;
    const lookup = await pollUntil(
      async () => {
        const got = await call(svc, `/v1/access-requests/${requestId}`);
        return got.body['status'] === 'decided' && got;
      },
      { timeoutMs: 60_000, what: 'the decision on GET' },
    );
    expect(lookup.status).toBe(200);
    expect(lookup.body).toMatchObject({
      requestId,
      status: 'decided',
      decision: { outcome: 'challenge', reasons: [{ code: 'SCREENING_POTENTIAL_MATCH' }] },
    });
  });

  it('completes waiting requests on every instance: each listens to all decisions', async () => {
    const second = await spawnService('ingest', {
      env: { KAFKA_TOPIC_PREFIX: prefix, INGEST_API_KEYS_FILE: keysFile },
    });
    try {
      await second.waitReady();
      const bodies = Array.from({ length: 8 }, () => aBody());
      const decider = decide(bodies.map(userOf));
      const answers = await Promise.all(
        bodies.map((body, i) =>
          call(i % 2 === 0 ? svc : second, '/v1/access-requests', { body, headers: { prefer: 'wait=10' } }),
        ),
      );
      await decider;
      expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 200));
    } finally {
      await second.stop();
    }
  });

  it('answers 202 when no decision arrives within the wait', async () => {
    const answer = await call(svc, '/v1/access-requests', { body: aBody(), headers: { prefer: 'wait=1' } });
    expect(answer.status).toBe(202);
    expect(answer.headers.get('preference-applied')).toBe('wait=1');
    const lookup = await call(svc, `/v1/access-requests/${answer.body['requestId'] as string}`);
    expect(lookup.body).toMatchObject({ status: 'pending' });
  });

  it('serves a complete OpenAPI document', async () => {
    const doc = (await (await fetch(`${svc.baseUrl}/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/access-requests',
        '/v1/access-requests/batch',
        '/v1/access-requests/{id}',
      ]),
    );
    expect(Object.keys(doc.components.schemas['SubjectDto']!.properties!)).toEqual(
      expect.arrayContaining([
        'userId',
        'organizationId',
        'name',
        'organizationName',
        'email',
        'claimedCountry',
      ]),
    );
  });
});

describe('ingest service without a broker', () => {
  let svc: ServiceProcess;

  beforeAll(async () => {
    const nowhere = await freePort();
    svc = await spawnService('ingest', {
      env: {
        KAFKA_BROKERS: `127.0.0.1:${nowhere}`,
        KAFKA_PUBLISH_TIMEOUT_MS: '1500',
        // the rate test has a client of its own: the budget is per client across routes
        INGEST_API_KEYS: `gateway:${sha256(GATEWAY_KEY)},limited:${sha256(LIMITED_KEY)}`,
        INGEST_RATE_LIMIT: '3',
        INGEST_RATE_WINDOW_MS: '60000',
      },
    });
    await pollUntil(async () => (await fetch(`${svc.baseUrl}/health/live`)).status === 200, {
      timeoutMs: 60_000,
      what: 'ingest to be live',
    });
  });

  afterAll(async () => {
    await svc?.kill();
  });

  it('answers 503 with Retry-After, never 202, and is not ready', async () => {
    const answer = await call(svc, '/v1/access-requests', { body: aBody() });
    expectProblem(answer, 503);
    expect(answer.headers.get('retry-after')).toBe('5');
    const batch = await call(svc, '/v1/access-requests/batch', { body: { requests: [aBody()] } });
    expectProblem(batch, 503);
    expect((await fetch(`${svc.baseUrl}/health/ready`)).status).toBe(503);
  });

  it('limits each client with 429 and Retry-After', async () => {
    const id = randomUUID();
    const statuses: number[] = [];
    let limited: Answer | undefined;
    for (let i = 0; i < 4; i++) {
      const answer = await call(svc, `/v1/access-requests/${id}`, { key: LIMITED_KEY });
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    expect(statuses).toEqual([404, 404, 404, 429]);
    expectProblem(limited!, 429);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
