import {
  cloudEventHeaders,
  type DeadLetterV1,
  type TopicEventMap,
  type TopicName,
  Topics,
} from '@clearance/contracts';
import type { IHeaders, Message } from 'kafkajs';

/** Kafka key of an event: the request id, so all events of a request share a partition number. */
function keyOf(topic: TopicName, event: TopicEventMap[TopicName]): string {
  if (topic === Topics.DeadLetter) return (event as DeadLetterV1).requestId ?? event.eventId;
  return 'requestId' in event && typeof event.requestId === 'string' ? event.requestId : event.eventId;
}

function producerOf(event: TopicEventMap[TopicName]): string {
  return 'producer' in event && typeof event.producer === 'string' ? event.producer : 'external';
}

/** Encodes an event as a Kafka message: JSON value, request id key, CloudEvents binary-mode headers. */
export function encodeEvent<T extends TopicName>(topic: T, event: TopicEventMap[T]): Message {
  return {
    key: keyOf(topic, event),
    value: JSON.stringify(event),
    headers: cloudEventHeaders(topic, { id: event.eventId, source: producerOf(event), time: event.time }),
  };
}

export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  }
  return out;
}
