import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics, type AccessDecidedV1, type DeadLetterV1 } from '@clearance/contracts';
import { BUILTIN_COUNTRY_GROUPS_PATH, DEFAULT_POLICY_PATH } from '@clearance/policy';
import {
  aVerifiedEvent,
  pollUntil,
  spawnService,
  TestKafka,
  uniqueTopicPrefix,
  type Collector,
  type ServiceProcess,
} from '@clearance/testing';

/** Real broker, real service process: decisions over Kafka, hot reload, shadow policy, dead letters. */
describe('decision service (real broker)', () => {
  const prefix = uniqueTopicPrefix('decision');
  const kafka = new TestKafka();
  const dir = mkdtempSync(join(tmpdir(), 'decision-int-'));
  const policyPath = join(dir, 'policy.yaml');
  const shadowPath = join(dir, 'shadow.yaml');
  const policyText = readFileSync(DEFAULT_POLICY_PATH, 'utf8').replace(
    'builtin:country-groups',
    './groups.yaml',
  );
  let service: ServiceProcess;
  let decided: Collector<AccessDecidedV1>;
  let deadLetters: Collector<DeadLetterV1>;

  const metrics = async (): Promise<string> => (await fetch(`${service.baseUrl}/metrics`)).text();
  const decisionOf = async (requestId: string): Promise<AccessDecidedV1> => {
    const messages = await decided.waitFor(
      (ms) => ms.some((m) => m.event.requestId === requestId),
      60_000,
      `the decision on ${requestId}`,
    );
    return messages.find((m) => m.event.requestId === requestId)!.event;
  };

  beforeAll(async () => {
    copyFileSync(BUILTIN_COUNTRY_GROUPS_PATH, join(dir, 'groups.yaml'));
    writeFileSync(policyPath, policyText);
    // The shadow differs in one place: Canada instead of the US is domestic.
    writeFileSync(
      shadowPath,
      policyText.replace("version: '2026-12-01.1'", "version: 'shadow'").replace('[US]', '[CA]'),
    );
    await kafka.createTopics(prefix, [Topics.AccessVerified, Topics.AccessDecided, Topics.DeadLetter]);
    service = await spawnService('decision', {
      env: {
        KAFKA_TOPIC_PREFIX: prefix,
        POLICY_PATH: policyPath,
        SHADOW_POLICY_PATH: shadowPath,
        POLICY_WATCH_INTERVAL_MS: '100',
        LOG_LEVEL: 'info',
      },
    });
    await service.waitReady();
    decided = await kafka.collector<AccessDecidedV1>(prefix, Topics.AccessDecided);
    deadLetters = await kafka.collector<DeadLetterV1>(prefix, Topics.DeadLetter);
  });

  afterAll(async () => {
    await service?.stop();
    await kafka.disconnect();
  });

  it('decides verified requests and records the shadow outcome beside the enforced one', async () => {
    const allowed = aVerifiedEvent();
    const embargoed = aVerifiedEvent({
      request: { resource: { model: 'standard-1', action: 'inference' } },
      geo: { ip: { country: 'IR' } },
    });
    await kafka.produce(prefix, Topics.AccessVerified, [allowed, embargoed]);

    const a = await decisionOf(allowed.requestId);
    const e = await decisionOf(embargoed.requestId);

    expect(a.decision).toMatchObject({
      outcome: 'allow',
      reasons: [{ code: 'ALLOW_APPROVED_DOMESTIC_ENTITY' }],
      policy: { id: 'default', version: '2026-12-01.1' },
      shadow: { outcome: 'deny', policy: { version: 'shadow' }, differs: true },
    });
    expect(a.timestamps.decidedAt).toBeDefined();
    expect(a.decision.latency.totalMs).toBeGreaterThanOrEqual(0);
    expect(e.decision).toMatchObject({
      outcome: 'deny',
      reasons: [{ code: 'GEO_EMBARGOED_COUNTRY' }],
      shadow: { outcome: 'deny', differs: false },
    });
  });

  it('rejects a broken policy file and keeps deciding under the old version, then takes the next valid one', async () => {
    const hashBefore = (await decisionOf((await produceOne()).requestId)).decision.policy.hash;

    writeFileSync(policyPath, policyText.replace('outcome: deny', 'outcome: maybe'));
    await pollUntil(
      async () =>
        /clearance_policy_reloads_total\{slot="active",result="rejected"\} [1-9]/.test(await metrics()),
      {
        what: 'the broken policy to be rejected',
      },
    );
    expect(service.output.join('')).toMatch(
      /active policy rejected, default@2026-12-01\.1 stays in force: .*policy\.yaml:\d+:\d+: 'maybe'/,
    );

    const during = await decisionOf((await produceOne()).requestId);
    expect(during.decision.policy).toMatchObject({ version: '2026-12-01.1', hash: hashBefore });
    expect(during.decision.outcome).toBe('allow');

    writeFileSync(policyPath, policyText.replace("version: '2026-12-01.1'", "version: '2026-12-02.1'"));
    await pollUntil(async () => (await metrics()).includes('version="2026-12-02.1"'), {
      what: 'the new policy',
    });

    const after = await decisionOf((await produceOne()).requestId);
    expect(after.decision.policy.version).toBe('2026-12-02.1');
    expect(after.decision.policy.hash).not.toBe(hashBefore);
  });

  it('dead-letters an event that is not a verified request', async () => {
    const broken = aVerifiedEvent();
    delete (broken as Partial<typeof broken>).verification;
    await kafka.produceRaw(prefix, Topics.AccessVerified, [
      { key: broken.requestId, value: JSON.stringify(broken) },
    ]);

    const dl = await deadLetters.waitFor((ms) => ms.some((m) => m.event.requestId === broken.requestId));
    expect(dl.find((m) => m.event.requestId === broken.requestId)!.event).toMatchObject({
      kind: 'schema-violation',
      producer: 'decision',
    });
  });

  async function produceOne() {
    const event = aVerifiedEvent();
    await kafka.produce(prefix, Topics.AccessVerified, [event]);
    return event;
  }
});
