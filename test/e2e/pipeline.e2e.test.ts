import { randomUUID } from 'node:crypto';
import {
  type AccessDecidedV1,
  type DeadLetterV1,
  type Outcome,
  type ReasonCode,
  Topics,
} from '@clearance/contracts';
import { aRequestedEvent, type Collector, TestKafka, uniqueTopicPrefix } from '@clearance/testing';
import {
  type AuditTimeline,
  baseTopic,
  Credentials,
  daysFromNow,
  Pipeline,
  PIPELINE_TOPICS,
} from './support/pipeline.harness';

// Addresses from the bundled data (docs/geolocation.md), each checked against the service's own answer below.
const IP = {
  usResidential: '71.192.0.1', // Comcast, Massachusetts
  orgEgress: '52.95.110.1', // AWS (AS16509, hosting), inside the approved organisation's egress range
  hosting: '8.8.8.8', // Google (AS15169, hosting), outside every registered egress range
  vpn: '2.58.36.1', // PacketHub S.A. (AS136787, NordVPN infrastructure: vpn + hosting), Dallas US
  tor: '103.196.37.111', // in services/geolocation/data/tor-exit-nodes.lst; Fremont, US
  cuba: '152.206.0.1',
  iran: '2.144.0.1', // Tehran
  northKorea: '175.45.176.1',
  crimea: '62.76.12.1', // Simferopol
  private: '10.20.30.40',
} as const;

const FRONTIER = 'frontier-1';
const STANDARD = 'standard-1';

interface Expectation {
  outcome: Outcome;
  /** The deciding reason (first in the list). */
  reason: ReasonCode;
}

interface Scenario extends Expectation {
  name: string;
  userId: string;
  ip: string;
  model: string;
  subjectName?: string;
  claimedCountry?: string;
}

type IngestAnswer = {
  requestId: string;
  status: string;
  decision?: { outcome: string; reasons: { code: string }[] };
};

// The whole system as its users run it: five processes, the real broker and database, HTTP in, decisions out.
describe('pipeline end to end', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('e2e');
  const credentials = new Credentials();
  const pipeline = new Pipeline({
    brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092',
    mongoUri: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27018/clearance',
    database: `e2e_${randomUUID().slice(0, 8)}`,
    prefix,
    credentials,
  });
  let decided: Collector<AccessDecidedV1>;
  let deadLetters: Collector<DeadLetterV1>;

  const put = (path: string, body: unknown): Promise<void> => pipeline.adminPut(path, body);
  const approval = (over: Record<string, unknown> = {}) => ({
    approvalId: `ap-${randomUUID()}`,
    approvedAt: daysFromNow(-30),
    expiresAt: daysFromNow(300),
    revoked: false,
    ...over,
  });

  async function seedRegistry(): Promise<void> {
    await put('/v1/admin/organizations/org-approved', {
      legalName: 'Domestic Frontier Labs Inc',
      countryOfIncorporation: 'US',
      approval: approval(),
      egressRanges: ['52.95.110.0/24'],
      reason: 'e2e: approved domestic entity',
    });
    await put('/v1/admin/organizations/org-expired', {
      legalName: 'Lapsed Labs Inc',
      countryOfIncorporation: 'US',
      approval: approval({ approvedAt: daysFromNow(-400), expiresAt: daysFromNow(-1) }),
      egressRanges: [],
      reason: 'e2e: approval expired yesterday',
    });
    await put('/v1/admin/organizations/org-revoked', {
      legalName: 'Revoked Labs Inc',
      countryOfIncorporation: 'US',
      approval: approval(),
      egressRanges: [],
      reason: 'e2e: approved, revoked below',
    });
    const revoke = await pipeline.admin('POST', '/v1/admin/organizations/org-revoked/approval/revoke', {
      reason: 'e2e: revoked',
    });
    expect(revoke.status).toBe(200);
    await put('/v1/admin/organizations/org-foreign', {
      legalName: 'Subsidiary Labs Inc',
      countryOfIncorporation: 'US',
      parentName: 'Parent Holdings',
      parentCountry: 'CN',
      foreignShare: 60,
      approval: approval(),
      egressRanges: [],
      reason: 'e2e: foreign-owned',
    });
    const users: [string, string, string | undefined][] = [
      ['u-none', 'none', undefined],
      ['u-email', 'email', undefined],
      ['u-identity', 'identity', undefined],
      ['u-approved', 'entity-approved', 'org-approved'],
      ['u-expired', 'entity-approved', 'org-expired'],
      ['u-revoked', 'entity-approved', 'org-revoked'],
      ['u-foreign', 'entity-approved', 'org-foreign'],
    ];
    for (const [userId, level, organizationId] of users) {
      await put(`/v1/admin/users/${userId}`, {
        level,
        organizationId,
        residenceCountry: 'US',
        verifiedAt: daysFromNow(-1),
        expiresAt: daysFromNow(300),
        reason: 'e2e seed',
      });
    }
  }

  beforeAll(async () => {
    await kafka.createTopics(prefix, PIPELINE_TOPICS);
    decided = await kafka.collector<AccessDecidedV1>(prefix, Topics.AccessDecided);
    deadLetters = await kafka.collector<DeadLetterV1>(prefix, Topics.DeadLetter);
    await pipeline.startAll();
    await seedRegistry();
  });

  afterAll(async () => {
    await pipeline.stopAll();
    await kafka.disconnect();
  });

  const body = (s: Omit<Scenario, 'name' | 'outcome' | 'reason'>, requestId = `e2e-${randomUUID()}`) => ({
    requestId,
    subject: {
      userId: s.userId,
      name: s.subjectName ?? 'Jane Example',
      ...(s.claimedCountry ? { claimedCountry: s.claimedCountry } : {}),
    },
    network: { ip: s.ip, userAgent: 'e2e' },
    resource: { model: s.model, action: 'inference' },
  });

  /** The decision of one request, seen three ways: the synchronous answer, the topic and the audit record. */
  async function decide(
    s: Omit<Scenario, 'name' | 'outcome' | 'reason'>,
  ): Promise<{ answer: IngestAnswer; onTopic: AccessDecidedV1; audit: AuditTimeline }> {
    const res = await pipeline.ingest('/v1/access-requests', body(s), { prefer: 'wait=10' });
    const answer = (await res.json()) as IngestAnswer;
    expect({ status: res.status, body: answer }).toMatchObject({ status: 200, body: { status: 'decided' } });
    await decided.waitFor(
      (m) => m.some((x) => x.event.requestId === answer.requestId),
      20_000,
      `the decision of ${answer.requestId} on the topic`,
    );
    const onTopic = decided.messages.find((m) => m.event.requestId === answer.requestId)!.event;
    const audit = await pipeline.auditTimeline(
      answer.requestId,
      (t) =>
        t.record?.outcome !== undefined &&
        [Topics.AccessRequested, Topics.AccessGeolocated, Topics.AccessVerified, Topics.AccessDecided].every(
          (topic) => t.events.some((e) => baseTopic(e.topic, prefix) === topic),
        ),
    );
    return { answer, onTopic, audit };
  }

  /** The three views agree with each other and with the expectation. */
  async function expectDecision(s: Scenario): Promise<{ onTopic: AccessDecidedV1; audit: AuditTimeline }> {
    const { answer, onTopic, audit } = await decide(s);
    const seen = {
      http: { outcome: answer.decision?.outcome, reason: answer.decision?.reasons[0]?.code },
      topic: { outcome: onTopic.decision.outcome, reason: onTopic.decision.reasons[0]?.code },
      audit: { outcome: audit.record?.outcome, reason: audit.explanation?.reasons?.[0]?.code },
    };
    const expected = { outcome: s.outcome, reason: s.reason };
    expect(seen).toEqual({ http: expected, topic: expected, audit: expected });
    expect(audit.events.map((e) => baseTopic(e.topic, prefix)).sort()).toEqual(
      [Topics.AccessDecided, Topics.AccessGeolocated, Topics.AccessRequested, Topics.AccessVerified].sort(),
    );
    expect(audit.events.find((e) => baseTopic(e.topic, prefix) === Topics.AccessDecided)?.eventId).toBe(
      onTopic.eventId,
    );
    return { onTopic, audit };
  }

  const approvedFromHome = { userId: 'u-approved', ip: IP.usResidential, model: FRONTIER };

  it('allows an approved domestic entity from a US residential address to use a frontier model', async () => {
    const { onTopic } = await expectDecision({
      name: 'approved',
      ...approvedFromHome,
      outcome: 'allow',
      reason: 'ALLOW_APPROVED_DOMESTIC_ENTITY',
    });
    expect(onTopic.geo).toMatchObject({ status: 'ok', ip: { country: 'US', anonymizers: [] } });
    expect(onTopic.verification).toMatchObject({
      status: 'ok',
      user: { level: 'entity-approved' },
      organization: { approval: { valid: true } },
      screening: { status: 'clear' },
    });
  });

  it.each<Scenario>([
    {
      name: 'expired approval',
      userId: 'u-expired',
      ip: IP.usResidential,
      model: FRONTIER,
      outcome: 'deny',
      reason: 'ENTITY_APPROVAL_EXPIRED',
    },
    {
      name: 'revoked approval',
      userId: 'u-revoked',
      ip: IP.usResidential,
      model: FRONTIER,
      outcome: 'deny',
      reason: 'ENTITY_APPROVAL_REVOKED',
    },
    {
      name: 'identity level only',
      userId: 'u-identity',
      ip: IP.usResidential,
      model: FRONTIER,
      outcome: 'deny',
      reason: 'VERIFICATION_LEVEL_INSUFFICIENT',
    },
    {
      name: 'foreign-owned organisation',
      userId: 'u-foreign',
      ip: IP.usResidential,
      model: FRONTIER,
      outcome: 'deny',
      reason: 'ENTITY_FOREIGN_OWNED',
    },
    {
      name: 'identity level, standard model',
      userId: 'u-identity',
      ip: IP.usResidential,
      model: STANDARD,
      outcome: 'allow',
      reason: 'ALLOW_STANDARD',
    },
  ])('decides by who asks: $name → $outcome $reason', async (s) => {
    await expectDecision(s);
  });

  it.each<Scenario>(
    (
      [
        ['Cuba', IP.cuba, 'GEO_EMBARGOED_COUNTRY'],
        ['Iran', IP.iran, 'GEO_EMBARGOED_COUNTRY'],
        ['North Korea', IP.northKorea, 'GEO_EMBARGOED_COUNTRY'],
        ['Crimea', IP.crimea, 'GEO_SANCTIONED_REGION'],
      ] as const
    ).flatMap(([place, ip, reason]) =>
      [FRONTIER, STANDARD].map((model) => ({
        name: `${place} (${model})`,
        userId: 'u-approved',
        ip,
        model,
        outcome: 'deny' as const,
        reason,
      })),
    ),
  )('denies every tier from embargoed places: $name → $reason', async (s) => {
    await expectDecision(s);
  });

  it.each<Scenario>([
    { name: 'Tor exit', ...approvedFromHome, ip: IP.tor, outcome: 'deny', reason: 'NET_TOR' },
    { name: 'VPN range', ...approvedFromHome, ip: IP.vpn, outcome: 'deny', reason: 'NET_VPN' },
    {
      name: 'hosting outside the egress ranges',
      ...approvedFromHome,
      ip: IP.hosting,
      outcome: 'deny',
      reason: 'NET_HOSTING',
    },
    {
      name: "the organisation's own egress range on a cloud provider",
      ...approvedFromHome,
      ip: IP.orgEgress,
      outcome: 'allow',
      reason: 'ALLOW_APPROVED_DOMESTIC_ENTITY',
    },
  ])('judges the network for frontier models: $name → $outcome', async (s) => {
    const { onTopic } = await expectDecision(s);
    // the address is what the scenario says it is, by the geolocation stage's own account
    const kind = { [IP.tor]: 'tor', [IP.vpn]: 'vpn', [IP.hosting]: 'hosting', [IP.orgEgress]: 'hosting' }[
      s.ip
    ];
    expect(onTopic.geo.ip?.country).toBe('US');
    expect(onTopic.geo.ip?.anonymizers.map((a) => a.kind)).toContain(kind);
    expect(onTopic.verification.organization?.egressMatch).toBe(s.ip === IP.orgEgress);
  });

  it.each<Scenario>([
    // SDN entry 35173 "SHOIGU, Sergei Kuzhugetovich" (ofac-sdn.csv of 2024-05-03; designated 2022, EO 14024)
    {
      name: 'an SDN entry',
      ...approvedFromHome,
      subjectName: 'Sergei Kuzhugetovich Shoigu',
      outcome: 'deny',
      reason: 'SCREENING_MATCH',
    },
    // ofac-alt.csv: entry 306's alias "NATIONAL BANK OF CUBA"
    {
      name: 'an alias',
      ...approvedFromHome,
      subjectName: 'National Bank of Cuba',
      outcome: 'deny',
      reason: 'SCREENING_MATCH',
    },
    // entry 35173 without its patronymic (scores 0.89, in the potential-match band 0.85–0.95)
    {
      name: 'a partial name',
      ...approvedFromHome,
      subjectName: 'Sergei Shoigu',
      outcome: 'challenge',
      reason: 'SCREENING_POTENTIAL_MATCH',
    },
  ])('screens the subject: $name → $outcome', async (s) => {
    const { onTopic } = await expectDecision(s);
    expect(onTopic.verification.screening.matches[0]?.list).toBe('ofac-sdn');
    expect(onTopic.verification.screening.lists[0]?.version).toMatch(/^2024-05-03;sha256:/);
  });

  it.each<Scenario>([
    {
      name: 'standard',
      ...approvedFromHome,
      model: STANDARD,
      claimedCountry: 'CN',
      outcome: 'challenge',
      reason: 'GEO_CLAIMED_COUNTRY_MISMATCH',
    },
    {
      name: 'frontier',
      ...approvedFromHome,
      model: FRONTIER,
      claimedCountry: 'CN',
      outcome: 'deny',
      reason: 'GEO_CLAIMED_NOT_DOMESTIC',
    },
  ])('questions a claimed country CN from a US address: $name → $outcome', async (s) => {
    const { onTopic } = await expectDecision(s);
    if (s.outcome === 'challenge') expect(onTopic.decision.obligations).toContain('step-up:identity');
  });

  it.each<Scenario>([
    {
      name: 'frontier',
      ...approvedFromHome,
      ip: IP.private,
      outcome: 'deny',
      reason: 'GEO_UNROUTABLE_ADDRESS',
    },
    {
      name: 'standard',
      ...approvedFromHome,
      ip: IP.private,
      model: STANDARD,
      outcome: 'deny',
      reason: 'GEO_UNROUTABLE_ADDRESS',
    },
  ])('denies a private address ($name)', async (s) => {
    await expectDecision(s);
  });

  it('dead-letters a malformed event injected onto the request topic, audits it, and keeps going', async () => {
    const poison = aRequestedEvent();
    const requestId = `e2e-poison-${randomUUID()}`;
    await kafka.produceRaw(prefix, Topics.AccessRequested, [
      {
        key: requestId,
        value: JSON.stringify({
          ...poison,
          requestId,
          request: { ...poison.request, requestId, network: { ip: '999.1.1.1' } },
        }),
      },
    ]);

    const [dead] = (
      await deadLetters.waitFor(
        (m) => m.some((x) => x.event.requestId === requestId && x.event.producer === 'geolocation'),
        30_000,
        'the dead letter from geolocation',
      )
    ).filter((x) => x.event.requestId === requestId && x.event.producer === 'geolocation');
    expect(dead!.event).toMatchObject({
      kind: 'schema-violation',
      source: { topic: prefix + Topics.AccessRequested },
    });
    expect(dead!.event.details.join('\n')).toMatch(/request\.network\.ip/);
    const audit = await pipeline.auditTimeline(requestId, (t) =>
      t.events.some((e) => baseTopic(e.topic, prefix) === Topics.DeadLetter && e.producer === 'geolocation'),
    );
    expect(audit.events.some((e) => baseTopic(e.topic, prefix) === Topics.AccessDecided)).toBe(false);
    expect(decided.messages.some((m) => m.event.requestId === requestId)).toBe(false);

    // the stage goes on with the next request
    await expectDecision({
      name: 'after poison',
      ...approvedFromHome,
      outcome: 'allow',
      reason: 'ALLOW_APPROVED_DOMESTIC_ENTITY',
    });
  });

  it('decides a request sent twice with one idempotency key once', async () => {
    const key = `idem-${randomUUID()}`;
    const payload = body(approvedFromHome);
    const send = () =>
      pipeline.ingest('/v1/access-requests', payload, { prefer: 'wait=10', 'idempotency-key': key });
    const first = await send();
    const second = await send();
    const [a, b] = (await Promise.all([first.json(), second.json()])) as IngestAnswer[];
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(b!.requestId).toBe(a!.requestId);
    expect(b!.decision).toEqual(a!.decision);

    // a later request decided after it: anything published twice would be on the topic by now
    await expectDecision({
      name: 'marker',
      ...approvedFromHome,
      outcome: 'allow',
      reason: 'ALLOW_APPROVED_DOMESTIC_ENTITY',
    });
    expect(decided.messages.filter((m) => m.event.requestId === a!.requestId)).toHaveLength(1);
    const audit = await pipeline.auditTimeline(a!.requestId, (t) =>
      [Topics.AccessRequested, Topics.AccessGeolocated, Topics.AccessVerified, Topics.AccessDecided].every(
        (topic) => t.events.some((e) => baseTopic(e.topic, prefix) === topic),
      ),
    );
    expect(audit.events.map((e) => baseTopic(e.topic, prefix)).sort()).toEqual(
      [Topics.AccessDecided, Topics.AccessGeolocated, Topics.AccessRequested, Topics.AccessVerified].sort(),
    );
  });
});
