import { randomUUID } from 'node:crypto';
import {
  deriveEnvelope,
  type AccessDecidedV1,
  type AccessGeolocatedV1,
  type AccessRequestedV1,
  type AccessVerifiedV1,
  type DeadLetterV1,
  type Outcome,
} from '@clearance/contracts';

export interface RequestChainOptions {
  requestId?: string;
  userId?: string;
  organizationId?: string;
  ip?: string;
  country?: string;
  model?: string;
  tier?: string;
  outcome?: Outcome;
  reasons?: string[];
  policyVersion?: string;
  requestedAt?: Date;
}

/** The four events of one request as the pipeline produces them (each copies its input and adds a section). */
export function aRequestChain(o: RequestChainOptions = {}): {
  requested: AccessRequestedV1;
  geolocated: AccessGeolocatedV1;
  verified: AccessVerifiedV1;
  decided: AccessDecidedV1;
} {
  const requestId = o.requestId ?? `req-${randomUUID()}`;
  const t0 = o.requestedAt ?? new Date('2026-11-27T02:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const requested: AccessRequestedV1 = {
    eventId: randomUUID(),
    requestId,
    time: t0.toISOString(),
    producer: 'ingest',
    timestamps: { requestedAt: t0.toISOString() },
    request: {
      requestId,
      subject: {
        userId: o.userId ?? 'user-1',
        ...(o.organizationId === undefined ? {} : { organizationId: o.organizationId }),
      },
      network: { ip: o.ip ?? '203.0.113.7' },
      resource: { model: o.model ?? 'frontier-1', action: 'inference' },
      occurredAt: t0.toISOString(),
      client: 'upstream-api',
    },
  };
  const geolocated: AccessGeolocatedV1 = {
    ...requested,
    ...deriveEnvelope(requested, 'geolocation', 'geolocatedAt', at(5)),
    geo: {
      status: 'ok',
      ip: {
        ip: o.ip ?? '203.0.113.7',
        version: 4,
        country: o.country ?? 'US',
        anonymizers: [],
        unroutable: false,
        operatorLists: [],
      },
      forwardedFor: [],
      datasets: [{ name: 'dbip-city-lite', version: '2026-06' }],
      evaluatedAt: at(5).toISOString(),
    },
  };
  const verified: AccessVerifiedV1 = {
    ...geolocated,
    ...deriveEnvelope(geolocated, 'verification', 'verifiedAt', at(9)),
    verification: {
      status: 'ok',
      stale: false,
      user: { found: true, level: 'entity-approved', expired: false },
      screening: { status: 'clear', matches: [], lists: [] },
      evaluatedAt: at(9).toISOString(),
    },
  };
  const outcome = o.outcome ?? 'allow';
  const decided: AccessDecidedV1 = {
    ...verified,
    ...deriveEnvelope(verified, 'decision', 'decidedAt', at(12)),
    decision: {
      outcome,
      reasons: (
        o.reasons ?? [outcome === 'allow' ? 'ALLOW_APPROVED_DOMESTIC_ENTITY' : 'GEO_NOT_DOMESTIC']
      ).map((code) => ({
        code,
        message: `because ${code}`,
      })),
      obligations: [],
      policy: { id: 'default', version: o.policyVersion ?? '2026.11.1', hash: 'ab'.repeat(32) },
      tier: o.tier ?? 'frontier',
      trace: [{ rule: 'geo', matched: true }],
      ttlSeconds: 60,
      latency: { geolocationMs: 5, verificationMs: 4, decisionMs: 3, totalMs: 12 },
      decidedAt: at(12).toISOString(),
    },
  };
  return { requested, geolocated, verified, decided };
}

export function aDeadLetter(overrides: Partial<DeadLetterV1> = {}): DeadLetterV1 {
  return {
    eventId: randomUUID(),
    time: '2026-11-27T02:00:01.000Z',
    producer: 'geolocation',
    kind: 'schema-violation',
    reason: 'event does not match access.requested.v1',
    details: ['request.network.ip: must be an ip address'],
    source: { topic: 'access.requested.v1', partition: 0, offset: '7', headers: {} },
    payloadBase64: Buffer.from('{"bad":true}').toString('base64'),
    ...overrides,
  };
}
