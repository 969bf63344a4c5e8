import { randomUUID } from 'node:crypto';
import { type AccessGeolocatedV1, type DeadLetterV1, Topics } from '@clearance/contracts';
import { createTopicsAndWait } from '@clearance/kafka';
import {
  aRequestedEvent,
  pollUntil,
  type ServiceProcess,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
} from '@clearance/testing';

const ENTRY = 'libs/testing/src/passthrough/passthrough.main.ts';

async function metric(svc: ServiceProcess, name: string): Promise<number> {
  const text = await (await fetch(`${svc.baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

// The Kafka plumbing over the real broker, through a stage with no logic of its own.
describe('event backbone', () => {
  const kafka = new TestKafka();
  const stages: ServiceProcess[] = [];

  async function startStage(prefix: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const svc = await spawnService('geolocation', {
      entry: ENTRY,
      env: { KAFKA_TOPIC_PREFIX: prefix, ...env },
    });
    stages.push(svc);
    await svc.waitReady();
    return svc;
  }

  afterEach(async () => {
    await Promise.all(stages.splice(0).map((s) => s.kill()));
  });

  afterAll(async () => {
    await kafka.disconnect();
  });

  it('lets several processes create the same topics at once, and every partition has a leader after', async () => {
    const prefix = uniqueTopicPrefix('race');
    const names = [Topics.AccessRequested, Topics.AccessGeolocated, Topics.DeadLetter].map((t) => prefix + t);
    const admins = Array.from({ length: 5 }, () => kafka.kafka.admin());
    await Promise.all(admins.map((a) => a.connect()));
    try {
      await Promise.all(
        admins.map((admin) =>
          createTopicsAndWait(
            admin,
            names.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
          ),
        ),
      );
      // None failed on the others' work (Promise.all would reject), and the topics are usable.
      const { topics } = await admins[0]!.fetchTopicMetadata({ topics: names });
      expect(topics.flatMap((t) => t.partitions.map((p) => p.leader >= 0))).toEqual(Array(9).fill(true));
    } finally {
      await Promise.all(admins.map((a) => a.disconnect()));
    }
  });

  it('consumes and produces in batches, every input once', async () => {
    const prefix = uniqueTopicPrefix('batch');
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessGeolocated, Topics.DeadLetter]);
    const events = Array.from({ length: 2000 }, () => aRequestedEvent());
    await kafka.produce(prefix, Topics.AccessRequested, events);
    const out = await kafka.collector<AccessGeolocatedV1>(prefix, Topics.AccessGeolocated);

    const svc = await startStage(prefix);
    await out.waitForCount(2000);

    const ids = new Set(out.messages.map((m) => m.event.requestId));
    expect(ids).toEqual(new Set(events.map((e) => e.requestId)));
    expect(out.messages[0]!.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_type: 'ai.clearance.access.geolocated.v1',
      ce_source: '/clearance/geolocation',
      'content-type': 'application/json',
    });
    expect(
      out.messages.every((m) => m.key === m.event.requestId && m.headers.ce_id === m.event.eventId),
    ).toBe(true);
    // 2000 messages in far fewer consumed batches: batching happened
    const batches = await metric(svc, 'clearance_batch_size_count{direction="in"}');
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(200);
    await out.stop();
  });

  it('dead-letters poison messages with their reason and goes on with the next ones', async () => {
    const prefix = uniqueTopicPrefix('poison');
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessGeolocated, Topics.DeadLetter], 1);
    const good = aRequestedEvent();
    const noRequest = { ...aRequestedEvent(), request: undefined };
    await kafka.produceRaw(prefix, Topics.AccessRequested, [
      { key: 'bad-json', value: '{"not json' },
      { key: 'bad-schema', value: JSON.stringify(noRequest) },
      {
        key: 'bad-ip',
        value: JSON.stringify({ ...good, request: { ...good.request, network: { ip: '999.1.1.1' } } }),
      },
      { key: 'huge', value: 'x'.repeat(300 * 1024) },
    ]);
    await kafka.produce(prefix, Topics.AccessRequested, [good]);
    const dlq = await kafka.collector<DeadLetterV1>(prefix, Topics.DeadLetter);
    const out = await kafka.collector<AccessGeolocatedV1>(prefix, Topics.AccessGeolocated);

    await startStage(prefix);
    await out.waitForCount(1);
    await dlq.waitForCount(4);

    expect(out.messages[0]!.event.requestId).toBe(good.requestId);
    const byKey = new Map(dlq.messages.map((m) => [m.event.source.key, m.event]));
    expect(byKey.get('bad-json')).toMatchObject({ kind: 'invalid-json', producer: 'geolocation' });
    expect(byKey.get('bad-json')!.reason).toMatch(/not JSON/);
    expect(Buffer.from(byKey.get('bad-json')!.payloadBase64, 'base64').toString()).toBe('{"not json');
    expect(byKey.get('bad-schema')).toMatchObject({ kind: 'schema-violation' });
    expect(byKey.get('bad-schema')!.details.join('\n')).toMatch(/request/);
    expect(byKey.get('bad-ip')!.details.join('\n')).toMatch(/request\.network\.ip/);
    expect(byKey.get('huge')).toMatchObject({ kind: 'oversized' });
    expect(byKey.get('bad-json')!.source).toMatchObject({
      topic: `${prefix}${Topics.AccessRequested}`,
      partition: 0,
    });
    await Promise.all([dlq.stop(), out.stop()]);
  });

  it('drains on SIGTERM: exits within 10 s, and its successor neither loses nor repeats an output', async () => {
    const prefix = uniqueTopicPrefix('drain');
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessGeolocated, Topics.DeadLetter]);
    const events = Array.from({ length: 5000 }, () => aRequestedEvent());
    const env = { KAFKA_CHUNK_SIZE: '200', KAFKA_GROUP_ID: `g-${randomUUID()}` };
    const out = await kafka.collector<AccessGeolocatedV1>(prefix, Topics.AccessGeolocated);

    const first = await startStage(prefix, env);
    await kafka.produce(prefix, Topics.AccessRequested, events);
    await pollUntil(() => out.messages.length > 500, { what: 'some output before SIGTERM' });
    const t0 = Date.now();
    const code = await first.stop();
    const exitMs = Date.now() - t0;
    await startStage(prefix, env);
    await out.waitFor(
      (m) => new Set(m.map((x) => x.event.requestId)).size === events.length,
      90_000,
      'every output',
    );

    // NestJS re-raises the signal after its shutdown hooks: a clean exit is code 0 or SIGTERM, never SIGKILL
    expect(code === 0 || first.child.signalCode === 'SIGTERM').toBe(true);
    expect(exitMs).toBeLessThan(10_000);
    expect(out.messages.length).toBe(events.length);
    await out.stop();
  });

  it.each([
    ['at-least-once', false],
    ['exactly-once', true],
  ])('survives SIGKILL mid-stream (%s)', async (_mode, exactlyOnce) => {
    const prefix = uniqueTopicPrefix(exactlyOnce ? 'eos' : 'alo');
    await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessGeolocated, Topics.DeadLetter]);
    const events = Array.from({ length: 3000 }, () => aRequestedEvent());
    const env = {
      KAFKA_EXACTLY_ONCE: String(exactlyOnce),
      KAFKA_CHUNK_SIZE: '100',
      KAFKA_GROUP_ID: `g-${randomUUID()}`,
    };
    const out = await kafka.collector<AccessGeolocatedV1>(prefix, Topics.AccessGeolocated, {
      readCommitted: true,
    });

    const first = await startStage(prefix, env);
    await kafka.produce(prefix, Topics.AccessRequested, events);
    await pollUntil(() => out.messages.length > 300, { what: 'some output before the kill' });
    await first.kill();
    const beforeRestart = out.messages.length;
    await startStage(prefix, env);
    await out.waitFor(
      (m) => new Set(m.map((x) => x.event.requestId)).size === events.length,
      90_000,
      'every output',
    );

    const counts = new Map<string, number>();
    for (const m of out.messages) counts.set(m.event.requestId, (counts.get(m.event.requestId) ?? 0) + 1);
    expect(beforeRestart).toBeLessThan(events.length);
    expect(counts.size).toBe(events.length);
    if (exactlyOnce) expect(Math.max(...counts.values())).toBe(1);
    await out.stop();
  });
});
