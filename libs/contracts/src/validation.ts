import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { EVENT_CLASSES, type TopicEventMap } from './event-map';
import type { TopicName } from './topics';

export type ParseResult<T> =
  | { ok: true; event: T }
  | { ok: false; kind: 'invalid-json' | 'schema-violation'; reason: string; details: string[] };

/** Flattens nested class-validator errors into `path: message` lines. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    for (const msg of Object.values(e.constraints ?? {})) out.push(`${path}: ${msg}`);
    if (e.children?.length) out.push(...describeValidationErrors(e.children, path));
  }
  return out;
}

/**
 * Validates a decoded JSON value against the class of its topic. Unknown fields are ignored, not stripped:
 * the plain object is returned as is so that fields added by a newer producer travel on (docs/events.md).
 */
export function validateEvent<T extends TopicName>(topic: T, value: unknown): ParseResult<TopicEventMap[T]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, kind: 'schema-violation', reason: 'event is not a JSON object', details: [] };
  }
  const instance = plainToInstance(EVENT_CLASSES[topic] as new () => object, value);
  const errors = validateSync(instance, { forbidUnknownValues: true, validationError: { target: false } });
  if (errors.length > 0) {
    const details = describeValidationErrors(errors);
    return {
      ok: false,
      kind: 'schema-violation',
      reason: `event does not match ${topic}: ${details.slice(0, 3).join('; ')}`,
      details,
    };
  }
  return { ok: true, event: value as TopicEventMap[T] };
}

/** Decodes and validates a Kafka message value for a topic. */
export function parseEvent<T extends TopicName>(
  topic: T,
  bytes: Buffer | null,
): ParseResult<TopicEventMap[T]> {
  if (bytes === null || bytes.length === 0) {
    return { ok: false, kind: 'invalid-json', reason: 'message has no value', details: [] };
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return {
      ok: false,
      kind: 'invalid-json',
      reason: `value is not JSON: ${(err as Error).message}`,
      details: [],
    };
  }
  return validateEvent(topic, value);
}
