import type { ValidateFunction } from 'ajv';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { EVENT_CLASSES, type TopicEventMap } from './event-map';
import { compileEventValidators, describeSchemaErrors } from './schema/event.validator';
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

/** The class-validator verdict: the reference the compiled validators are checked against, and the messages. */
export function classValidatorErrors(topic: TopicName, value: object): string[] {
  const instance = plainToInstance(EVENT_CLASSES[topic] as new () => object, value);
  return describeValidationErrors(
    validateSync(instance, { forbidUnknownValues: true, validationError: { target: false } }),
  );
}

type Validators = { [T in TopicName]: ValidateFunction } | null;
let compiled: Validators | undefined;

// Compiled on first use; should a decorator lack a schema converter, every event still gets class-validator.
function validators(): Validators {
  if (compiled === undefined) {
    try {
      compiled = compileEventValidators();
    } catch (err) {
      compiled = null;
      process.emitWarning(
        `event schemas not compiled, validating with class-validator only: ${(err as Error).message}`,
      );
    }
  }
  return compiled;
}

/** Compiles every topic's validator now (synchronous, seconds on a loaded box) instead of on the first event. */
export function compileEventSchemas(): void {
  validators();
}

/**
 * Validates a decoded JSON value against the class of its topic. Unknown fields are ignored, not stripped:
 * the plain object is returned as is so that fields added by a newer producer travel on (docs/events.md).
 * The fast path is a validator compiled from the classes' JSON Schema; class-validator runs only on a
 * rejection, for the messages (docs/events.md, "Validation").
 */
export function validateEvent<T extends TopicName>(topic: T, value: unknown): ParseResult<TopicEventMap[T]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, kind: 'schema-violation', reason: 'event is not a JSON object', details: [] };
  }
  const check = validators()?.[topic];
  if (check?.(value)) return { ok: true, event: value as TopicEventMap[T] };
  const details = classValidatorErrors(topic, value);
  if (details.length > 0) {
    return {
      ok: false,
      kind: 'schema-violation',
      reason: `event does not match ${topic}: ${details.slice(0, 3).join('; ')}`,
      details,
    };
  }
  if (!check) return { ok: true, event: value as TopicEventMap[T] };
  // class-validator accepts what the schema rejects (e.g. an array where an object belongs): fail closed.
  const schemaDetails = describeSchemaErrors(check.errors);
  return {
    ok: false,
    kind: 'schema-violation',
    reason: `event does not match ${topic} (schema): ${schemaDetails.slice(0, 3).join('; ')}`,
    details: schemaDetails,
  };
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
