import { randomUUID } from 'node:crypto';
import {
  type AccessDecidedV1,
  type AccessGeolocatedV1,
  type AccessRequestedV1,
  type AccessRequestV1,
  type AccessVerifiedV1,
  deriveEnvelope,
  type GeoSectionV1,
  type IpGeoV1,
  type VerificationSectionV1,
} from '@clearance/contracts';

type DeepPartial<T> = T extends (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge for factories: objects merge, arrays and scalars replace. */
export function merge<T>(base: T, overrides?: DeepPartial<T>): T {
  if (overrides === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? merge(out[k], v as never) : v;
  }
  return out as T;
}

export function aRequest(overrides?: DeepPartial<AccessRequestV1>): AccessRequestV1 {
  const requestId = overrides?.requestId ?? randomUUID();
  return merge<AccessRequestV1>(
    {
      requestId,
      subject: { userId: 'user-1', organizationId: 'org-1', name: 'Jane Example' },
      network: { ip: '8.8.4.4' },
      resource: { model: 'frontier-1', action: 'inference' },
      occurredAt: new Date().toISOString(),
      client: 'test-client',
    },
    { ...overrides, requestId },
  );
}

export function aRequestedEvent(overrides?: DeepPartial<AccessRequestedV1>): AccessRequestedV1 {
  const request = aRequest(overrides?.request);
  const now = new Date().toISOString();
  return merge<AccessRequestedV1>(
    {
      eventId: randomUUID(),
      requestId: request.requestId,
      time: now,
      producer: 'ingest',
      timestamps: { requestedAt: now },
      request,
    },
    { ...overrides, request },
  );
}

export function anIpGeo(overrides?: DeepPartial<IpGeoV1>): IpGeoV1 {
  return merge<IpGeoV1>(
    {
      ip: '8.8.4.4',
      version: 4,
      country: 'US',
      subdivision: 'California',
      city: 'Mountain View',
      asn: 7922,
      asOrganization: 'Comcast Cable Communications, LLC',
      unroutable: false,
      anonymizers: [],
      operatorLists: [],
    },
    overrides,
  );
}

export function aGeoSection(overrides?: DeepPartial<GeoSectionV1>): GeoSectionV1 {
  return merge<GeoSectionV1>(
    {
      status: 'ok',
      ip: anIpGeo(),
      forwardedFor: [],
      datasets: [{ name: 'test-geo', version: 'test' }],
      evaluatedAt: new Date().toISOString(),
    },
    overrides,
  );
}

export function aVerificationSection(overrides?: DeepPartial<VerificationSectionV1>): VerificationSectionV1 {
  const now = new Date();
  const inAYear = new Date(now.getTime() + 365 * 86_400_000).toISOString();
  return merge<VerificationSectionV1>(
    {
      status: 'ok',
      stale: false,
      user: {
        found: true,
        level: 'entity-approved',
        residenceCountry: 'US',
        verifiedAt: now.toISOString(),
        expiresAt: inAYear,
        expired: false,
        organizationId: 'org-1',
      },
      organization: {
        found: true,
        organizationId: 'org-1',
        legalName: 'Example Labs Inc',
        countryOfIncorporation: 'US',
        ownership: { foreignOwned: false },
        approval: {
          approvalId: 'appr-1',
          approvedAt: now.toISOString(),
          expiresAt: inAYear,
          revoked: false,
          valid: true,
        },
        egressRanges: [],
        egressMatch: false,
      },
      screening: {
        status: 'clear',
        matches: [],
        lists: [{ name: 'test-list', version: 'test' }],
        stale: false,
      },
      evaluatedAt: now.toISOString(),
    },
    overrides,
  );
}

export function aGeolocatedEvent(overrides?: DeepPartial<AccessGeolocatedV1>): AccessGeolocatedV1 {
  const requested = aRequestedEvent(overrides);
  const envelope = deriveEnvelope(requested, 'geolocation', 'geolocatedAt');
  return { ...requested, ...envelope, request: requested.request, geo: aGeoSection(overrides?.geo) };
}

export function aVerifiedEvent(overrides?: DeepPartial<AccessVerifiedV1>): AccessVerifiedV1 {
  const geolocated = aGeolocatedEvent(overrides);
  const envelope = deriveEnvelope(geolocated, 'verification', 'verifiedAt');
  return { ...geolocated, ...envelope, verification: aVerificationSection(overrides?.verification) };
}

export function aDecidedEvent(overrides?: DeepPartial<AccessDecidedV1>): AccessDecidedV1 {
  const verified = aVerifiedEvent(overrides);
  const envelope = deriveEnvelope(verified, 'decision', 'decidedAt');
  return merge<AccessDecidedV1>(
    {
      ...verified,
      ...envelope,
      decision: {
        outcome: 'allow',
        reasons: [{ code: 'ALLOW_APPROVED_DOMESTIC_ENTITY', message: 'approved domestic entity' }],
        obligations: [],
        policy: { id: 'test-policy', version: '1', hash: 'sha256:test' },
        tier: 'frontier',
        trace: [],
        ttlSeconds: 300,
        latency: {},
        decidedAt: envelope.time,
      },
    },
    overrides?.decision ? { decision: overrides.decision } : undefined,
  );
}
