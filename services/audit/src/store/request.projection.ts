import {
  Topics,
  type AccessDecidedV1,
  type AccessGeolocatedV1,
  type AccessRequestedV1,
  type AccessVerifiedV1,
  type DeadLetterV1,
  type TopicName,
} from '@clearance/contracts';
import type { PipelineStage, RequestRecord } from './request-record.schema';

/** The upsert of one event into its request's record: `_id` is the request id. */
export interface ProjectionUpdate {
  requestId: string;
  /** The request's first stage: its record normally does not exist yet, so inserting it is tried first. */
  likelyNew: boolean;
  update: {
    $set?: Record<string, unknown>;
    $min: Record<string, unknown>;
    $max: Record<string, unknown>;
    $addToSet?: Record<string, unknown>;
  };
}

const STAGE_OF: Partial<Record<TopicName, PipelineStage>> = {
  [Topics.AccessRequested]: 'requested',
  [Topics.AccessGeolocated]: 'geolocated',
  [Topics.AccessVerified]: 'verified',
  [Topics.AccessDecided]: 'decided',
};

function defined(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
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
 * How one event changes its request's record. Each stage sets only the fields it owns (its own section, its
 * timestamp, its event id); the request section is carried unchanged by every event, so any of them may set it;
 * `time` and its buckets take the earliest value seen ($min). Every update therefore commutes: the events of a
 * request give the same record in any order and any number of deliveries.
 */
export function projectEvent(topic: TopicName, event: unknown, storedAt: Date): ProjectionUpdate | undefined {
  if (topic === Topics.DeadLetter) return projectDeadLetter(event as DeadLetterV1, storedAt);
  const stage = STAGE_OF[topic];
  if (stage === undefined) return undefined;
  const e = event as AccessRequestedV1;
  const time = new Date(e.timestamps.requestedAt);
  const r = e.request;
  const $set: Record<string, unknown> = defined({
    userId: r.subject.userId,
    organizationId: r.subject.organizationId,
    claimedCountry: r.subject.claimedCountry,
    ip: r.network.ip,
    model: r.resource.model,
    action: r.resource.action,
    client: r.client,
    occurredAt: date(r.occurredAt),
    'timestamps.requestedAt': time,
    [`stages.${stage}`]: e.eventId,
  });
  switch (stage) {
    case 'requested':
      break;
    case 'geolocated': {
      const g = (event as AccessGeolocatedV1).geo;
      Object.assign(
        $set,
        defined({
          geoStatus: g.status,
          country: g.ip.country,
          subdivision: g.ip.subdivision,
          city: g.ip.city,
          asn: g.ip.asn,
          asOrganization: g.ip.asOrganization,
          anonymizers: [...new Set(g.ip.anonymizers.map((a) => a.kind))],
          sanctionedRegion: g.ip.sanctionedRegion,
          'timestamps.geolocatedAt': date(e.timestamps.geolocatedAt),
        }),
      );
      break;
    }
    case 'verified': {
      const v = (event as AccessVerifiedV1).verification;
      Object.assign(
        $set,
        defined({
          verificationStatus: v.status,
          verificationLevel: v.user.level,
          screeningStatus: v.screening.status,
          'timestamps.verifiedAt': date(e.timestamps.verifiedAt),
        }),
      );
      break;
    }
    case 'decided': {
      const d = (event as AccessDecidedV1).decision;
      Object.assign(
        $set,
        defined({
          outcome: d.outcome,
          reasons: d.reasons.map((x) => x.code),
          obligations: d.obligations,
          tier: d.tier,
          policyId: d.policy.id,
          policyVersion: d.policy.version,
          policyHash: d.policy.hash,
          shadowOutcome: d.shadow?.outcome,
          decidedAt: date(d.decidedAt),
          'timestamps.decidedAt': date(e.timestamps.decidedAt),
          latency: defined({ ...d.latency }),
        }),
      );
      break;
    }
    default: {
      const never: never = stage;
      throw new Error(`unknown stage ${String(never)}`);
    }
  }
  return {
    requestId: e.requestId,
    likelyNew: stage === 'requested',
    update: { $set, $min: { time, ...buckets(time) }, $max: { updatedAt: storedAt } },
  };
}

/** A dead letter that names its request marks the record; its time stands in until the request's own is known. */
function projectDeadLetter(dl: DeadLetterV1, storedAt: Date): ProjectionUpdate | undefined {
  if (!dl.requestId) return undefined;
  const time = new Date(dl.time);
  return {
    requestId: dl.requestId,
    likelyNew: false,
    update: {
      $min: { time, ...buckets(time) },
      $max: { updatedAt: storedAt },
      $addToSet: { deadLetterKinds: dl.kind },
    },
  };
}

/**
 * The record the upsert of `u` creates when the request has none yet (MongoDB's upsert semantics: `_id` from the
 * filter, dotted `$set` paths as nested documents, `$min`/`$max` as plain values, `$addToSet` as a one-element
 * array), so that a new record can be inserted instead of upserted.
 */
export function createdRecord(u: ProjectionUpdate): RequestRecord {
  const out: Record<string, unknown> = { _id: u.requestId };
  for (const [path, v] of Object.entries(u.update.$set ?? {})) {
    const keys = path.split('.');
    let at = out;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys[keys.length - 1]!] = v;
  }
  Object.assign(out, u.update.$min, u.update.$max);
  for (const [k, v] of Object.entries(u.update.$addToSet ?? {})) out[k] = [v];
  return out as unknown as RequestRecord;
}
