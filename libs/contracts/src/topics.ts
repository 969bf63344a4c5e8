/**
 * Every Kafka topic of Clearance, spelled once. Renaming one is a breaking change for every producer and
 * consumer: do not change without a migration plan (a new topic version, see docs/events.md).
 */
export const Topics = {
  AccessRequested: 'access.requested.v1',
  AccessGeolocated: 'access.geolocated.v1',
  AccessVerified: 'access.verified.v1',
  AccessDecided: 'access.decided.v1',
  DeadLetter: 'access.deadletter.v1',
  SubjectVerification: 'subjects.verification.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly TopicName[] = Object.values(Topics);

/** The topics the audit store keeps: every `access.*` topic, the dead-letter topic included. */
export const ACCESS_TOPICS: readonly TopicName[] = ALL_TOPICS.filter((t) => t.startsWith('access.'));

/** CloudEvents `type` of the events on each topic. */
export const EventTypes = {
  [Topics.AccessRequested]: 'ai.clearance.access.requested.v1',
  [Topics.AccessGeolocated]: 'ai.clearance.access.geolocated.v1',
  [Topics.AccessVerified]: 'ai.clearance.access.verified.v1',
  [Topics.AccessDecided]: 'ai.clearance.access.decided.v1',
  [Topics.DeadLetter]: 'ai.clearance.access.deadletter.v1',
  [Topics.SubjectVerification]: 'ai.clearance.subjects.verification.v1',
} as const satisfies Record<TopicName, string>;

export type EventType = (typeof EventTypes)[TopicName];

/** The producing stages, used as CloudEvents `source` and as the `producer` of every event. */
export const Stages = {
  Ingest: 'ingest',
  Geolocation: 'geolocation',
  Verification: 'verification',
  Decision: 'decision',
  Audit: 'audit',
} as const;

export type StageName = (typeof Stages)[keyof typeof Stages];
