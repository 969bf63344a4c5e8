import { randomUUID } from 'node:crypto';
import { Topics, type AccessDecidedV1, type AccessVerifiedV1 } from '@clearance/contracts';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '@clearance/policy';
import {
  aGeolocatedEvent,
  pollUntil,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
  type Collector,
  type ServiceProcess,
} from '@clearance/testing';
import { databaseUri, startVerification } from './verification.fixture';

// Real: the verification and decision services as processes, the broker, FerretDB, the shipped lists and the
// default policy. Nothing faked.

const STANDARD = 'standard-chat';

function request(name: string) {
  return aGeolocatedEvent({
    requestId: randomUUID(),
    request: {
      subject: { userId: `u-${randomUUID().slice(0, 8)}`, name },
      resource: { model: STANDARD },
    },
  });
}

describe('screening against the shipped 2024-05-03 SDN list, through verification and decision', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('screening-lists');
  const services: ServiceProcess[] = [];
  let decided: Collector<AccessDecidedV1>;

  beforeAll(async () => {
    await kafka.createTopics(prefix, [
      Topics.AccessGeolocated,
      Topics.AccessVerified,
      Topics.AccessDecided,
      Topics.SubjectVerification,
      Topics.DeadLetter,
    ]);
    // SANCTIONS_MAX_AGE_DAYS comes from spawnService's test default (3650): the shipped list counts as current
    services.push(
      await spawnService('verification', {
        env: {
          KAFKA_TOPIC_PREFIX: prefix,
          MONGODB_URI: databaseUri(`screening_${randomUUID().slice(0, 8)}`),
        },
      }),
      await spawnService('decision', { env: { KAFKA_TOPIC_PREFIX: prefix } }),
    );
    await Promise.all(services.map((s) => s.waitReady(120_000)));
    decided = await kafka.collector<AccessDecidedV1>(prefix, Topics.AccessDecided);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await kafka.disconnect();
  });

  it('denies a person designated in 2022 under EO 14024, and the decision names the list version', async () => {
    // SDN entry 35173, designated 2022 (RUSSIA-EO14024): absent from the 2021 snapshot the project shipped before
    const designated = request('Sergei Kuzhugetovich Shoigu');
    const misspelt = request('Sergey Kuzhugetovich Shoygu');
    const clean = request('Jennifer Anderson');
    await kafka.produce(prefix, Topics.AccessGeolocated, [designated, misspelt, clean]);
    await decided.waitFor((m) => m.length >= 3, 120_000, 'three decisions');
    const by = (id: string) => decided.messages.find((m) => m.event.requestId === id)!.event;

    for (const event of [by(designated.requestId), by(misspelt.requestId)]) {
      expect(event.decision.outcome).toBe('deny');
      expect(event.decision.reasons[0]?.code).toBe('SCREENING_MATCH');
      expect(event.verification.screening).toMatchObject({
        status: 'match',
        stale: false,
        matches: [{ list: 'ofac-sdn', entryId: '35173', programs: ['RUSSIA-EO14024'] }],
      });
      expect(event.verification.screening.lists).toEqual([
        { name: 'ofac-sdn', version: expect.stringMatching(/^2024-05-03;sha256:[0-9a-f]{64}$/) },
        { name: 'csl', version: expect.stringMatching(/^2021;sha256:[0-9a-f]{64}$/) },
      ]);
    }
    expect(by(clean.requestId).decision).toMatchObject({ outcome: 'allow' });
  });
});

describe('a list older than SANCTIONS_MAX_AGE_DAYS', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('stale-lists');
  let svc: ServiceProcess;
  let verified: Collector<AccessVerifiedV1>;

  beforeAll(async () => {
    // the production default: the shipped 2024-05-03 list is older, so the service never becomes ready
    svc = await startVerification(kafka, prefix, {
      database: 'stale',
      env: { SANCTIONS_MAX_AGE_DAYS: '30' },
      ready: false,
    });
    verified = await kafka.collector<AccessVerifiedV1>(prefix, Topics.AccessVerified);
  });

  afterAll(async () => {
    await svc?.stop();
    await kafka.disconnect();
  });

  it('fails readiness saying which list is stale, flags every screening, and the default policy denies', async () => {
    // everything else is up: only the lists keep the stage from being ready
    let body: { details?: Record<string, { status: string; message?: string }> } = {};
    await pollUntil(
      async () => {
        const res = await fetch(`${svc.baseUrl}/health/ready`).catch(() => undefined);
        if (!res) return false;
        body = (await res.json()) as typeof body;
        return res.status === 503 && body.details?.kafka?.status === 'up';
      },
      { timeoutMs: 120_000, what: 'verification up with its consumer joined, lists stale' },
    );
    expect(body.details?.['sanctions-lists']).toEqual({
      status: 'down',
      message: expect.stringMatching(
        /^stale lists: ofac-sdn of 2024-05-03 is \d+ days old \(max 30\); csl of 2021/,
      ),
    });

    const clean = request('Jennifer Anderson');
    await kafka.produce(prefix, Topics.AccessGeolocated, [clean]);
    const [message] = await verified.waitFor((m) => m.length >= 1, 120_000, 'the verified event');
    const event = message!.event;
    expect(event.verification.screening).toMatchObject({ status: 'clear', stale: true });

    const { policy } = loadPolicyFile(DEFAULT_POLICY_PATH);
    const decision = policy.evaluate(event);
    expect(decision.outcome).toBe('deny');
    expect(decision.reasons[0]?.code).toBe('SCREENING_LIST_STALE');
  });
});
