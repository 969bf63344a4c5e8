import {
  deterministicEventId,
  type DeadLetterKind,
  type DeadLetterV1,
  type StageName,
} from '@clearance/contracts';
import type { KafkaMessage } from 'kafkajs';
import { decodeHeaders } from './event.codec';

/** Builds the dead-letter event for a message a stage could not process: original bytes, where it was, why. */
export function deadLetterFor(
  stage: StageName,
  source: { topic: string; partition: number; message: KafkaMessage },
  failure: { kind: DeadLetterKind; reason: string; details?: string[]; requestId?: string },
  now = new Date(),
): DeadLetterV1 {
  const { message } = source;
  return {
    // the same poison message dead-lettered twice (redelivery) gets the same id, so audit stores it once
    eventId: deterministicEventId(
      'deadletter',
      stage,
      source.topic,
      String(source.partition),
      message.offset,
    ),
    time: now.toISOString(),
    producer: stage,
    ...(failure.requestId ? { requestId: failure.requestId } : {}),
    kind: failure.kind,
    reason: failure.reason,
    details: failure.details ?? [],
    source: {
      topic: source.topic,
      partition: source.partition,
      offset: message.offset,
      ...(message.key ? { key: message.key.toString('utf8') } : {}),
      headers: decodeHeaders(message.headers),
      timestamp: message.timestamp,
    },
    payloadBase64: message.value ? message.value.toString('base64') : '',
  };
}

/** Best-effort request id of a message that failed validation, so its dead letter can be found by request. */
export function requestIdOf(value: unknown, key: Buffer | null): string | undefined {
  if (value && typeof value === 'object' && 'requestId' in value && typeof value.requestId === 'string') {
    return value.requestId.slice(0, 128);
  }
  return key ? key.toString('utf8').slice(0, 128) : undefined;
}
