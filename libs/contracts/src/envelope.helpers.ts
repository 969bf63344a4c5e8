import { deterministicEventId } from './cloudevents';
import type { EventEnvelopeV1, StageTimestampsV1 } from './events/envelope';
import type { StageName } from './topics';

type StampField = Exclude<keyof StageTimestampsV1, 'requestedAt'>;

/**
 * The envelope of the event a stage derives from `input`: same request, a deterministic id (so a redelivered
 * input yields the same output id), the input as cause, and the stage's own timestamp added.
 */
export function deriveEnvelope(
  input: EventEnvelopeV1,
  producer: StageName,
  stamp: StampField,
  now: Date = new Date(),
): EventEnvelopeV1 {
  const time = now.toISOString();
  return {
    eventId: deterministicEventId(input.eventId, producer),
    requestId: input.requestId,
    time,
    producer,
    causationId: input.eventId,
    timestamps: { ...input.timestamps, [stamp]: time },
  };
}
