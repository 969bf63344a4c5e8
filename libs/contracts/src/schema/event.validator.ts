import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { isEmail, isIP, isISO31661Alpha2, isISO8601, isUUID, maxLength, minLength } from 'class-validator';
import { EVENT_CLASSES } from '../event-map';
import type { TopicName } from '../topics';
import { buildEventSchemas, EventFormats } from './event.schemas';

const DEFINITIONS = '#/definitions/';

function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    allowUnionTypes: true,
    // The decorators' regexes run without the `u` flag; so do the compiled patterns.
    unicodeRegExp: false,
    strict: true,
    formats: {
      [EventFormats.Iso8601]: { type: 'string', validate: (s: string) => isISO8601(s) },
      [EventFormats.Ip]: { type: 'string', validate: (s: string) => isIP(s) },
      [EventFormats.Ipv4]: { type: 'string', validate: (s: string) => isIP(s, 4) },
      [EventFormats.Ipv6]: { type: 'string', validate: (s: string) => isIP(s, 6) },
      [EventFormats.Uuid]: { type: 'string', validate: (s: string) => isUUID(s) },
      [EventFormats.Email]: { type: 'string', validate: (s: string) => isEmail(s) },
      [EventFormats.Iso31661Alpha2]: { type: 'string', validate: (s: string) => isISO31661Alpha2(s) },
    },
  });
  // validator.js counts a character plus its variation selector as one; ajv would count two.
  ajv.removeKeyword('minLength');
  ajv.removeKeyword('maxLength');
  ajv.addKeyword({
    keyword: 'minLength',
    type: 'string',
    schemaType: 'number',
    validate: (min: number, data: string) => minLength(data, min),
    errors: false,
  });
  ajv.addKeyword({
    keyword: 'maxLength',
    type: 'string',
    schemaType: 'number',
    validate: (max: number, data: string) => maxLength(data, max),
    errors: false,
  });
  return ajv;
}

/** One compiled validator per topic, from the same schemas as docs/asyncapi.yaml. */
export function compileEventValidators(): { [T in TopicName]: ValidateFunction } {
  const definitions = buildEventSchemas(DEFINITIONS);
  const ajv = createAjv();
  ajv.addSchema({ $id: 'events', definitions }, 'events');
  const out: Partial<Record<TopicName, ValidateFunction>> = {};
  for (const [topic, cls] of Object.entries(EVENT_CLASSES) as [TopicName, { name: string }][]) {
    const validate = ajv.getSchema(`events${DEFINITIONS}${cls.name}`);
    if (!validate) throw new Error(`no schema for ${cls.name}`);
    out[topic] = validate;
  }
  return out as { [T in TopicName]: ValidateFunction };
}

/** `path: message` lines in the form class-validator's are written in. */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const missing =
      e.keyword === 'required' ? String((e.params as { missingProperty: string }).missingProperty) : '';
    const full = [path, missing].filter(Boolean).join('.');
    return `${full || '(event)'}: ${e.message ?? e.keyword}`;
  });
}
