import { randomUUID } from 'node:crypto';
import { type AccessRequestedV1, Topics } from '@clearance/contracts';
import {
  type Collector,
  pollUntil,
  PrivateInfra,
  type ServiceProcess,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
} from '@clearance/testing';
import { DEV_API_KEY } from '../src/auth/dev-key';
import { ingestCaller } from './ingest.client';

// Real parts: ingest processes, a broker and a database of this test's own (the broker is frozen with SIGSTOP
// mid-publish, so that ingest's publish times out after the request was sent), issue 18 item 2.

const PUBLISH_TIMEOUT_MS = 2_000;
const call = ingestCaller(DEV_API_KEY);
const aBody = () => ({
  subject: { userId: `user-${randomUUID()}` },
  network: { ip: '203.0.113.10' },
  resource: { model: 'frontier-1', action: 'inference' },
});

describe('ingest when the broker does not answer a publish it received', () => {
  let infra: PrivateInfra;
  let kafka: TestKafka;
  let requested: Collector<AccessRequestedV1>;
  const prefix = uniqueTopicPrefix('unknown');
  const ingests: ServiceProcess[] = [];

  const startIngest = async (): Promise<ServiceProcess> => {
    const svc = await spawnService('ingest', {
      env: {
        KAFKA_BROKERS: infra.brokers,
        MONGODB_URI: infra.mongoUri,
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
        INGEST_API_KEYS: undefined,
        INGEST_API_KEYS_FILE: undefined,
        AUDIT_URL: undefined,
      },
    });
    ingests.push(svc);
    await svc.waitReady(120_000);
    return svc;
  };

  /** Every message on access.requested.v1 with this requestId, once the broker's count is all collected. */
  async function eventsOf(requestId: string): Promise<AccessRequestedV1[]> {
    const admin = kafka.kafka.admin();
    await admin.connect();
    let total: number;
    try {
      const offsets = await admin.fetchTopicOffsets(prefix + Topics.AccessRequested);
      total = offsets.reduce((sum, p) => sum + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
    await requested.waitForCount(total);
    return requested.messages.map((m) => m.event).filter((e) => e.requestId === requestId);
  }

  beforeAll(async () => {
    infra = await PrivateInfra.start();
    kafka = new TestKafka(infra.brokers);
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessDecided]);
    requested = await kafka.collector<AccessRequestedV1>(prefix, Topics.AccessRequested);
  });

  afterAll(async () => {
    try {
      infra?.resumeKafka();
    } catch {
      // not paused, or already gone
    }
    await Promise.all(ingests.map((s) => s.kill()));
    await requested?.stop();
    await kafka?.disconnect();
    await infra?.stop();
  });

  it('answers 503 "outcome unknown", and the retry with the key finds the event that landed late', async () => {
    const svc = await startIngest();
    expect((await call(svc, '/v1/access-requests', { body: aBody() })).status).toBe(202); // producer connected
    const body = aBody();
    const key = `k-${randomUUID()}`;

    infra.pauseKafka();
    let first;
    try {
      first = await call(svc, '/v1/access-requests', { body, headers: { 'idempotency-key': key } });
    } finally {
      infra.resumeKafka();
    }

    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(first.body).toMatchObject({ outcome: 'unknown', requestId: expect.any(String) });
    expect(first.body['detail']).toMatch(/outcome is unknown.*same Idempotency-Key/);
    const requestId = first.body['requestId'] as string;

    // the broker applies the produce it held once it runs again: the event was accepted after all
    await pollUntil(async () => (await eventsOf(requestId)).length === 1, {
      timeoutMs: 60_000,
      what: 'the held event to land',
    });
    const retry = await call(svc, '/v1/access-requests', { body, headers: { 'idempotency-key': key } });

    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ requestId, status: 'pending' });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await eventsOf(requestId)).toHaveLength(1);
  });

  it('keeps the claim of a request whose owner died not knowing, and the retry elsewhere sends that same event', async () => {
    const owner = ingests[0]!.running ? ingests[0]! : await startIngest();
    const body = aBody();
    const key = `k-${randomUUID()}`;

    infra.pauseKafka();
    let first;
    try {
      first = await call(owner, '/v1/access-requests', { body, headers: { 'idempotency-key': key } });
      expect(first.status).toBe(503);
      // the only process that could learn the late outcome goes before the broker answers
      await owner.kill();
    } finally {
      infra.resumeKafka();
    }
    const requestId = first.body['requestId'] as string;
    const other = await startIngest();

    const retry = await call(other, '/v1/access-requests', { body, headers: { 'idempotency-key': key } });
    const again = await call(other, '/v1/access-requests', { body, headers: { 'idempotency-key': key } });

    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ requestId, status: 'pending' });
    expect(again.body).toEqual({ requestId, status: 'pending' });
    // the first send landed or not; either way every copy is the same event: one request downstream
    const events = await eventsOf(requestId);
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(new Set(events.map((e) => JSON.stringify(e))).size).toBe(1);
    expect(
      requested.messages.filter((m) => m.event.request.subject.userId === body.subject.userId),
    ).toHaveLength(events.length);
  });
});
