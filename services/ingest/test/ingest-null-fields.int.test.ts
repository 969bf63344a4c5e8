import { createHash, randomUUID } from 'node:crypto';
import { type AccessRequestedV1, Topics } from '@clearance/contracts';
import {
  type Collector,
  type ServiceProcess,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
} from '@clearance/testing';
import { ingestCaller } from './ingest.client';

// `null` in an optional field means "not given" (the OpenAPI document says these fields are nullable, and the
// validators let null through). Schemathesis found that ingest met it with code written for a missing field:
// `forwardedFor: null` answered 503 ("forwardedFor is not iterable"), and `requestId: null` was taken as a
// requestId, so every such request of a client got the same event id. Real parts: ingest and the test broker.

const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');
const KEY = `gw-${randomUUID()}`;
const call = ingestCaller(KEY);

const aBodyWithNulls = (): Record<string, unknown> => ({
  requestId: null,
  subject: { userId: `user-${randomUUID()}`, name: null, organizationId: null, claimedCountry: null },
  network: { ip: '8.8.8.8', forwardedFor: null, userAgent: null },
  resource: { model: 'frontier-1', action: 'inference' },
  occurredAt: null,
});

describe('ingest takes null in an optional field as not given', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('ingest-nulls');
  let svc: ServiceProcess;
  let requested: Collector<AccessRequestedV1>;

  beforeAll(async () => {
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessDecided]);
    requested = await kafka.collector<AccessRequestedV1>(prefix, Topics.AccessRequested);
    svc = await spawnService('ingest', {
      env: { KAFKA_TOPIC_PREFIX: prefix, INGEST_API_KEYS: `gateway:${sha256(KEY)}` },
    });
    await svc.waitReady();
  });

  afterAll(async () => {
    await svc?.stop();
    await requested?.stop();
    await kafka.disconnect();
  });

  it('accepts two such bodies as two requests with their own ids, and publishes them without the nulls', async () => {
    const bodies = [aBodyWithNulls(), aBodyWithNulls()];
    const answers = [];
    for (const body of bodies) answers.push(await call(svc, '/v1/access-requests', { body }));
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    const ids = answers.map((a) => a.body['requestId'] as string);
    expect(new Set(ids).size).toBe(2);

    const seen = await requested.waitFor((m) => ids.every((id) => m.some((x) => x.event.requestId === id)));
    const events = ids.map((id) => seen.find((x) => x.event.requestId === id)!.event);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
    for (const e of events) {
      expect(Object.keys(e.request.subject)).toEqual(['userId']);
      expect(Object.keys(e.request.network)).toEqual(['ip']);
      expect(e.request.occurredAt).toBe(e.time);
    }
  });

  it('does the same for batch items', async () => {
    const batch = await call(svc, '/v1/access-requests/batch', {
      body: { requests: [aBodyWithNulls(), aBodyWithNulls()] },
    });
    expect(batch.status).toBe(200);
    const results = batch.body['results'] as { status: number; body: { requestId: string } }[];
    expect(results.map((r) => r.status)).toEqual([202, 202]);
    expect(results[0]!.body.requestId).not.toBe(results[1]!.body.requestId);
  });

  it('still refuses null where a field is required, naming it', async () => {
    const answer = await call(svc, '/v1/access-requests', {
      body: { ...aBodyWithNulls(), network: { ip: null } },
    });
    expect(answer.status).toBe(400);
    expect((answer.body['errors'] as { field: string }[]).map((e) => e.field)).toContain('network.ip');
  });
});
