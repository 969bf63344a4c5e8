import {
  AccessDecidedV1,
  AccessGeolocatedV1,
  AccessRequestedV1,
  AccessVerifiedV1,
} from './events/access-events';
import { DeadLetterV1 } from './events/dead-letter';
import { SubjectVerificationV1 } from './events/subject-verification';
import { Topics, type TopicName } from './topics';

/** Which event class travels on which topic: publishing the wrong payload to a topic does not compile. */
export interface TopicEventMap {
  [Topics.AccessRequested]: AccessRequestedV1;
  [Topics.AccessGeolocated]: AccessGeolocatedV1;
  [Topics.AccessVerified]: AccessVerifiedV1;
  [Topics.AccessDecided]: AccessDecidedV1;
  [Topics.DeadLetter]: DeadLetterV1;
  [Topics.SubjectVerification]: SubjectVerificationV1;
}

export type EventOf<T extends TopicName> = TopicEventMap[T];

type Ctor<T> = new () => T;

export const EVENT_CLASSES: { [T in TopicName]: Ctor<TopicEventMap[T]> } = {
  [Topics.AccessRequested]: AccessRequestedV1,
  [Topics.AccessGeolocated]: AccessGeolocatedV1,
  [Topics.AccessVerified]: AccessVerifiedV1,
  [Topics.AccessDecided]: AccessDecidedV1,
  [Topics.DeadLetter]: DeadLetterV1,
  [Topics.SubjectVerification]: SubjectVerificationV1,
};

export function isTopicName(value: string): value is TopicName {
  return Object.prototype.hasOwnProperty.call(EVENT_CLASSES, value);
}
