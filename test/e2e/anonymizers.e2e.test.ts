import { randomUUID } from 'node:crypto';
import { type AccessDecidedV1, type Outcome, type ReasonCode, Topics } from '@clearance/contracts';
import { type Collector, TestKafka, uniqueTopicPrefix } from '@clearance/testing';
import { Credentials, Pipeline, PIPELINE_TOPICS } from './support/pipeline.harness';

// Real addresses, each checked against the shipped data (services/geolocation/data, DB-IP Lite 2026-06).
const IP = {
  usHome: '71.192.0.1', // Comcast, Massachusetts: no signal
  // on the X4BNet VPN list (2026-08-22) and in no ASN class of network-classes.yaml: only the list knows
  vpnV4: '2.27.224.1', // TeraSwitch AS20326, Newark US, list entry 2.27.224.0/22
  vpnV6: '2606:1000::1', // Peace Communications AS20448, Chattanooga US, list entry 2606:1000::/32
  relay: '140.248.4.1', // Fastly AS54113, iCloud Private Relay egress, Worcester US
  // IPv6 transition addresses carrying embargoed IPv4 hosts (issue 16): the city database puts 2002::/16 and
  // 2001::/32 in the US
  kp6to4: '2002:af2d:b001::1', // 175.45.176.1, North Korea
  kpTeredo: '2001:0:4136:e378:8000:63bf:50d2:4ffe', // client 175.45.176.1 behind Teredo server 65.54.227.120
  cuNat64: '64:ff9b::152.206.0.1', // Cuba
  ir6to4: '2002:290:1::1', // 2.144.0.1, Tehran
  private6to4: '2002:a00:1::1', // 10.0.0.1: proves nothing about the client
  us6to4: '2002:47c0:1::1', // 71.192.0.1, the US home address above
} as const;

const FRONTIER = 'frontier-1';
const STANDARD = 'standard-1';

interface Case {
  name: string;
  ip: string;
  forwardedFor?: string[];
  model: string;
  outcome: Outcome;
  reason: ReasonCode;
}

// The whole pipeline (five processes, real broker and database): what an approved domestic entity gets from
// VPN, relay and IPv6 transition addresses. Every case here was a wrong allow before (issues 13 and 16).
describe('anonymizers and IPv6 transition addresses end to end', () => {
  const kafka = new TestKafka();
  const prefix = uniqueTopicPrefix('anon');
  const pipeline = new Pipeline({
    brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092',
    mongoUri: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27018/clearance',
    database: `anon_${randomUUID().slice(0, 8)}`,
    prefix,
    credentials: new Credentials(),
  });
  let decided: Collector<AccessDecidedV1>;

  beforeAll(async () => {
    await kafka.createTopics(prefix, PIPELINE_TOPICS);
    decided = await kafka.collector<AccessDecidedV1>(prefix, Topics.AccessDecided);
    await pipeline.startAll();
    await pipeline.seedApprovedEntity('e2e');
  });

  afterAll(async () => {
    await pipeline.stopAll();
    await kafka.disconnect();
  });

  const body = (c: Pick<Case, 'ip' | 'forwardedFor' | 'model'>) => ({
    requestId: `anon-${randomUUID()}`,
    subject: { userId: 'u-approved', name: 'Jane Example' },
    network: { ip: c.ip, ...(c.forwardedFor ? { forwardedFor: c.forwardedFor } : {}), userAgent: 'e2e' },
    resource: { model: c.model, action: 'inference' },
  });

  /** The decided event of one request, from the topic (the synchronous answer may time out on a busy machine). */
  async function decide(c: Pick<Case, 'ip' | 'forwardedFor' | 'model'>): Promise<AccessDecidedV1> {
    const sent = body(c);
    const res = await pipeline.ingest('/v1/access-requests', sent, { prefer: 'wait=5' });
    expect({ status: res.status < 300, text: res.status < 300 ? '' : await res.text() }).toEqual({
      status: true,
      text: '',
    });
    await decided.waitFor(
      (m) => m.some((x) => x.event.requestId === sent.requestId),
      90_000,
      `the decision of ${sent.requestId}`,
    );
    return decided.messages.find((m) => m.event.requestId === sent.requestId)!.event;
  }

  const expectDecision = async (c: Case): Promise<AccessDecidedV1> => {
    const event = await decide(c);
    expect({ outcome: event.decision.outcome, reason: event.decision.reasons[0]?.code }).toEqual({
      outcome: c.outcome,
      reason: c.reason,
    });
    return event;
  };

  it('allows the approved entity from a plain US home address (the baseline the cases below differ from)', async () => {
    await expectDecision({
      name: 'home',
      ip: IP.usHome,
      model: FRONTIER,
      outcome: 'allow',
      reason: 'ALLOW_APPROVED_DOMESTIC_ENTITY',
    });
  });

  it.each<Case>([
    { name: 'IPv4 VPN, frontier', ip: IP.vpnV4, model: FRONTIER, outcome: 'deny', reason: 'NET_VPN' },
    { name: 'IPv6 VPN, frontier', ip: IP.vpnV6, model: FRONTIER, outcome: 'deny', reason: 'NET_VPN' },
    { name: 'IPv4 VPN, standard', ip: IP.vpnV4, model: STANDARD, outcome: 'deny', reason: 'NET_VPN' },
    { name: 'IPv6 VPN, standard', ip: IP.vpnV6, model: STANDARD, outcome: 'deny', reason: 'NET_VPN' },
  ])('denies a US address on the shipped VPN list: $name → $reason', async (c) => {
    const event = await expectDecision(c);
    expect(event.geo.ip).toMatchObject({ country: 'US' });
    expect(event.geo.ip?.anonymizers).toContainEqual(
      expect.objectContaining({ kind: 'vpn', source: 'x4bnet-vpn' }),
    );
    expect(event.geo.datasets).toContainEqual(
      expect.objectContaining({ name: 'x4bnet-vpn', date: '2026-08-22', count: 11360 }),
    );
  });

  it.each<Case>([
    { name: 'frontier', ip: IP.relay, model: FRONTIER, outcome: 'deny', reason: 'NET_PRIVATE_RELAY' },
    { name: 'standard', ip: IP.relay, model: STANDARD, outcome: 'allow', reason: 'ALLOW_STANDARD' },
  ])('tells an iCloud Private Relay egress from a VPN: $name → $outcome $reason', async (c) => {
    const event = await expectDecision(c);
    const kinds = event.geo.ip?.anonymizers.map((a) => a.kind);
    expect(kinds).toContain('relay');
    expect(kinds).not.toContain('vpn');
  });

  it.each<Case>(
    (
      [
        ['6to4 of North Korea', IP.kp6to4],
        ['Teredo of North Korea', IP.kpTeredo],
        ['NAT64 of Cuba', IP.cuNat64],
      ] as const
    ).flatMap(([name, ip]) =>
      [FRONTIER, STANDARD].map((model) => ({
        name: `${name} (${model})`,
        ip,
        model,
        outcome: 'deny' as const,
        reason: 'GEO_EMBARGOED_COUNTRY' as const,
      })),
    ),
  )('judges an IPv6 transition address by the IPv4 it carries: $name → $reason', async (c) => {
    const event = await expectDecision(c);
    expect(event.geo.ip).toMatchObject({ version: 6, embeddedIpv4: { trusted: true } });
  });

  it.each<Case>([
    {
      name: '6to4 of Iran in X-Forwarded-For',
      ip: IP.usHome,
      forwardedFor: [IP.ir6to4],
      model: STANDARD,
      outcome: 'deny',
      reason: 'GEO_FORWARDED_FOR_RESTRICTED',
    },
    {
      name: '6to4 of a private address',
      ip: IP.private6to4,
      model: STANDARD,
      outcome: 'deny',
      reason: 'GEO_UNKNOWN_LOCATION',
    },
    {
      name: '6to4 of a US home address',
      ip: IP.us6to4,
      model: FRONTIER,
      outcome: 'allow',
      reason: 'ALLOW_APPROVED_DOMESTIC_ENTITY',
    },
  ])('and fails closed where the embedded address proves nothing: $name → $outcome $reason', async (c) => {
    await expectDecision(c);
  });

  it.each([
    ['network.ip', { ip: 'fe80::1%pvc1.3' }],
    ['network.forwardedFor', { ip: IP.usHome, forwardedFor: ['fe80::1%eth0'] }],
  ])(
    'refuses a zone id at ingest with a 400 naming %s, instead of dead-lettering it later',
    async (field, network) => {
      const res = await pipeline.ingest('/v1/access-requests', {
        ...body({ ip: IP.usHome, model: STANDARD }),
        network,
      });
      const problem = (await res.json()) as { errors?: { field: string }[] };
      expect({ status: res.status, fields: problem.errors?.map((e) => e.field) }).toEqual({
        status: 400,
        fields: expect.arrayContaining([field]),
      });
    },
  );
});
