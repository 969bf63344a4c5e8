import { createHash } from 'node:crypto';
import { EventTypes, type TopicName } from './topics';

/** CloudEvents Kafka protocol binding (binary mode) header names. */
export const CloudEventHeaders = {
  SpecVersion: 'ce_specversion',
  Id: 'ce_id',
  Type: 'ce_type',
  Source: 'ce_source',
  Time: 'ce_time',
  ContentType: 'content-type',
} as const;

export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const EVENT_CONTENT_TYPE = 'application/json';

export interface CloudEventAttributes {
  id: string;
  type: string;
  source: string;
  time: string;
}

export function cloudEventHeaders(
  topic: TopicName,
  attrs: Omit<CloudEventAttributes, 'type'>,
): Record<string, string> {
  return {
    [CloudEventHeaders.SpecVersion]: CLOUDEVENTS_SPEC_VERSION,
    [CloudEventHeaders.Id]: attrs.id,
    [CloudEventHeaders.Type]: EventTypes[topic],
    [CloudEventHeaders.Source]: `/clearance/${attrs.source}`,
    [CloudEventHeaders.Time]: attrs.time,
    [CloudEventHeaders.ContentType]: EVENT_CONTENT_TYPE,
  };
}

/**
 * A UUID (version-5 layout over SHA-256) derived from its inputs. A stage names its output event after the
 * input event and itself, so a redelivered input produces the same event id and downstream dedupes it.
 */
export function deterministicEventId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
