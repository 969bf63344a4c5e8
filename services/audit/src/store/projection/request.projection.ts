import type { AccessDecidedV1 } from '@clearance/contracts';
import type { RequestRecord } from './request-record.schema';

function defined<T extends Record<string, unknown>>(fields: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out as T;
}

function date(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}

/** `YYYY-MM-DDTHH` and `YYYY-MM-DD` in UTC. */
export function buckets(time: Date): { hour: string; day: string } {
  const iso = time.toISOString();
  return { hour: iso.slice(0, 13), day: iso.slice(0, 10) };
}

/**
 * The request record, built once from the request's decided event: every stage copies its input and adds its own
 * section, so the decided event carries the request, geolocation, verification and decision sections and the time
 * of every stage. A request without a decision has no record; it is found from its events (timeline).
 */
export function recordOfDecision(e: AccessDecidedV1, storedAt: Date): RequestRecord {
  const time = new Date(e.timestamps.requestedAt);
  const r = e.request;
  const g = e.geo;
  const v = e.verification;
  const d = e.decision;
  return defined({
    _id: e.requestId,
    time,
    ...buckets(time),
    userId: r.subject.userId,
    organizationId: r.subject.organizationId,
    claimedCountry: r.subject.claimedCountry,
    ip: r.network.ip,
    model: r.resource.model,
    action: r.resource.action,
    client: r.client,
    occurredAt: date(r.occurredAt),
    geoStatus: g.status,
    country: g.ip.country,
    subdivision: g.ip.subdivision,
    city: g.ip.city,
    asn: g.ip.asn,
    asOrganization: g.ip.asOrganization,
    anonymizers: [...new Set(g.ip.anonymizers.map((a) => a.kind))],
    sanctionedRegion: g.ip.sanctionedRegion,
    verificationStatus: v.status,
    verificationLevel: v.user.level,
    screeningStatus: v.screening.status,
    outcome: d.outcome,
    reasons: d.reasons.map((x) => x.code),
    obligations: d.obligations,
    tier: d.tier,
    policyId: d.policy.id,
    policyVersion: d.policy.version,
    policyHash: d.policy.hash,
    shadowOutcome: d.shadow?.outcome,
    decidedAt: date(d.decidedAt),
    timestamps: defined({
      requestedAt: time,
      geolocatedAt: date(e.timestamps.geolocatedAt),
      verifiedAt: date(e.timestamps.verifiedAt),
      decidedAt: date(e.timestamps.decidedAt),
    }),
    latency: defined({ ...d.latency }),
    decisionEventId: e.eventId,
    storedAt,
  });
}
