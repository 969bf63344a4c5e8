import { randomUUID } from 'node:crypto';
import { type AccessDecidedV1, type AccessRequestedV1, Topics } from '@clearance/contracts';
import {
  type Collector,
  type ServiceProcess,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
} from '@clearance/testing';
import { Credentials, Pipeline, PIPELINE_TOPICS } from './support/pipeline.harness';

// Real parts: two ingest processes sharing one database, geolocation, verification and decision in exactly-once
// mode, the test broker and database (issue 15: idempotency across ingest replicas).

const KEYS = 12;

describe('ingest replicas', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('replicas');
  const credentials = new Credentials();
  const pipeline = new Pipeline({
    brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092',
    mongoUri: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27018/clearance',
    database: `replicas_${randomUUID().slice(0, 8)}`,
    prefix,
    credentials,
    env: { KAFKA_EXACTLY_ONCE: 'true' },
  });
  const replicas: ServiceProcess[] = [];
  let requested: Collector<AccessRequestedV1>;
  let decided: Collector<AccessDecidedV1>;

  const post = (svc: ServiceProcess, body: unknown, key: string): Promise<Response> =>
    fetch(`${svc.baseUrl}/v1/access-requests`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${credentials.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(body),
    });
  const aBody = (userId = `user-${randomUUID()}`) => ({
    subject: { userId, claimedCountry: 'US' },
    network: { ip: '71.192.0.1' },
    resource: { model: 'standard-1', action: 'inference' },
  });

  /** Messages on a topic so far: the broker's own count, not what a consumer happened to see. */
  async function brokerCount(topic: typeof Topics.AccessRequested): Promise<number> {
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(prefix + topic);
      return offsets.reduce((sum, p) => sum + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
  }

  beforeAll(async () => {
    await kafka.createTopics(prefix, PIPELINE_TOPICS);
    requested = await kafka.collector<AccessRequestedV1>(prefix, Topics.AccessRequested);
    decided = await kafka.collector<AccessDecidedV1>(prefix, Topics.AccessDecided, { readCommitted: true });
    await Promise.all((['geolocation', 'verification', 'decision'] as const).map((s) => pipeline.start(s)));
    // both replicas use the same database, as two pods of one Deployment do; no audit service here
    const env = { ...pipeline.envOf('ingest'), AUDIT_URL: undefined, AUDIT_TOKEN: undefined };
    for (let i = 0; i < 2; i++) replicas.push(await spawnService('ingest', { env }));
    await Promise.all(replicas.map((r) => r.waitReady(120_000)));
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await pipeline.stopAll();
    await requested?.stop();
    await decided?.stop();
    await kafka.disconnect();
  });

  it('answers concurrent duplicates sent to both replicas with one requestId, published and decided once', async () => {
    const before = await brokerCount(Topics.AccessRequested);
    const keys = Array.from({ length: KEYS }, () => `dup-${randomUUID()}`);
    const bodies = keys.map(() => aBody());

    // each key: the same body twice to each replica, all at once
    const answers = await Promise.all(
      keys.flatMap((key, k) =>
        [0, 1, 0, 1].map(async (r) => {
          const res = await post(replicas[r]!, bodies[k], key);
          return {
            key,
            status: res.status,
            replayed: res.headers.get('idempotent-replayed') === 'true',
            body: (await res.json()) as { requestId?: string; detail?: string },
          };
        }),
      ),
    );

    expect(answers.filter((a) => a.status !== 202).map((a) => `${a.status} ${a.body.detail}`)).toEqual([]);
    const requestIds = new Map<string, Set<string>>();
    for (const a of answers)
      requestIds.set(a.key, (requestIds.get(a.key) ?? new Set()).add(a.body.requestId!));
    expect([...requestIds.values()].map((ids) => ids.size)).toEqual(keys.map(() => 1));
    // one answer per key created the request, the three others replayed it
    for (const key of keys) expect(answers.filter((a) => a.key === key && !a.replayed)).toHaveLength(1);
    expect((await brokerCount(Topics.AccessRequested)) - before).toBe(KEYS);

    const ids = [...requestIds.values()].map((s) => [...s][0]!);
    await decided.waitFor(
      (m) => ids.every((id) => m.some((d) => d.event.requestId === id)),
      120_000,
      'decisions',
    );
    await requested.waitForCount(await brokerCount(Topics.AccessRequested));
    for (const id of ids) {
      expect(requested.messages.filter((m) => m.event.requestId === id)).toHaveLength(1);
      // exactly-once stages: one requested event, one committed decision
      expect(decided.messages.filter((m) => m.event.requestId === id)).toHaveLength(1);
    }
  });

  it('answers 409 at one replica for a key the other used with another body', async () => {
    const key = `conflict-${randomUUID()}`;
    const first = await post(replicas[0]!, aBody(), key);
    const second = await post(replicas[1]!, aBody(), key);

    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('binds a body requestId across replicas: another body with it is a 409 whatever the key', async () => {
    const requestId = `req-${randomUUID()}`;
    const body = { ...aBody(), requestId };
    const first = await post(replicas[0]!, body, `a-${randomUUID()}`);
    const same = await post(replicas[1]!, body, `b-${randomUUID()}`);
    const other = await post(replicas[1]!, { ...aBody(), requestId }, `c-${randomUUID()}`);

    expect(first.status).toBe(202);
    expect(same.status).toBe(202);
    expect(same.headers.get('idempotent-replayed')).toBe('true');
    expect(await same.json()).toEqual({ requestId, status: 'pending' });
    expect(other.status).toBe(409);
  });
});
