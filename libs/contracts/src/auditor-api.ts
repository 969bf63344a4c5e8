import type { DecisionSectionV1 } from './events/decision';

// The auditor API's answers (services/audit, docs/audit.md), typed once for the audit service that writes them
// and for their readers (ingest's audit client, the auditor console). `Time` is `Date` where the audit service
// builds an answer and `string` (ISO 8601) in the JSON a reader receives.

/**
 * One request as the auditors query it: flat fields taken from the request's decided event, which carries
 * every section. `_id` is the request id.
 */
export interface RequestRecordV1<Time = string> {
  _id: string;
  /** When ingest accepted the request; the sort key (newest first). */
  time: Time;
  /** `time` as `YYYY-MM-DDTHH` and `YYYY-MM-DD` (UTC): stats buckets without date expressions. */
  hour: string;
  day: string;
  userId?: string;
  organizationId?: string;
  claimedCountry?: string;
  ip?: string;
  model?: string;
  action?: string;
  client?: string;
  occurredAt?: Time;
  geoStatus?: string;
  country?: string;
  subdivision?: string;
  city?: string;
  asn?: number;
  asOrganization?: string;
  anonymizers?: string[];
  sanctionedRegion?: string;
  verificationStatus?: string;
  verificationLevel?: string;
  screeningStatus?: string;
  outcome?: string;
  /** Reason codes only; the messages are in the decided event. */
  reasons?: string[];
  obligations?: string[];
  tier?: string;
  policyId?: string;
  policyVersion?: string;
  policyHash?: string;
  shadowOutcome?: string;
  decidedAt?: Time;
  timestamps?: { requestedAt?: Time; geolocatedAt?: Time; verifiedAt?: Time; decidedAt?: Time };
  latency?: { geolocationMs?: number; verificationMs?: number; decisionMs?: number; totalMs?: number };
  /** The event id of the decision the record was built from (always stored; optional for test fixtures). */
  decisionEventId?: string;
  storedAt?: Time;
}

/** `GET /v1/audit/requests`: one page, newest first. */
export interface RequestPageV1<Time = string> {
  items: RequestRecordV1<Time>[];
  /** Pass as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** One stored event of a request, with where it was read from and its link in the hash chain. */
export interface TimelineEntryV1 {
  /** The event's `ce_id`. */
  eventId: string;
  topic: string;
  eventType: string;
  producer: string;
  time: string;
  storedAt: string;
  partition: number;
  offset: string;
  hash: string;
  /** The event as it was consumed; validate it against its topic (`validateEvent`) before trusting a field. */
  event: unknown;
}

/** `GET /v1/audit/requests/{id}`: a request's record (null while it has no decision) and every stored event. */
export interface RequestTimelineV1<Time = string> {
  requestId: string;
  record: RequestRecordV1<Time> | null;
  events: TimelineEntryV1[];
  /** The decision as made: outcome, every reason, the policy (id, version, hash), the rule trace, timings. */
  explanation: DecisionSectionV1 | null;
}
