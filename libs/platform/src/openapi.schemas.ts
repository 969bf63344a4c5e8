import { type Type as Ctor } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions, type OpenAPIObject } from '@nestjs/swagger';
import { COUNTRY_CODES, type LengthBound } from '@clearance/contracts';

/**
 * OpenAPI fragments for the validators that are not a plain length or pattern, each accepting exactly what its
 * decorator accepts, so that a document-valid value is never a 400 (Schemathesis checks both ways).
 */
export const OpenApiSchemas = {
  /** `@IsIP()` (with the contracts' zone-id refusal): IPv4 or IPv6 in its usual text forms. */
  ip: {
    anyOf: [
      { type: 'string', format: 'ipv4' },
      { type: 'string', format: 'ipv6' },
    ],
  },
  /** `@IsISO31661Alpha2()` with the contracts' upper-case rule (`COUNTRY_CODE_PATTERN`): the code list itself. */
  country: { type: 'string', enum: [...COUNTRY_CODES] },
  /** `@IsDateTime()` of the contracts: an RFC 3339 date-time. */
  dateTime: { type: 'string', format: 'date-time' },
} as const satisfies Record<string, ApiPropertyOptions>;

/** `{ type: 'string', minLength, maxLength }` for a string bounded by a `LengthBound` of the contracts. */
export function stringOf(bound: LengthBound): { type: 'string'; minLength: number; maxLength: number } {
  return { type: 'string', minLength: bound.minLength, maxLength: bound.maxLength };
}

/**
 * Attaches OpenAPI descriptions to inherited fields (a field of a contract class cannot be redeclared just to
 * decorate it). The mapped type makes every field of the class need one, so a new contract field is not missed.
 */
export function documentFields<T>(cls: Ctor<T>, fields: { [K in keyof T]-?: ApiPropertyOptions }): void {
  for (const [field, options] of Object.entries(fields) as [string, ApiPropertyOptions][]) {
    ApiProperty(options)(cls.prototype as object, field);
  }
}

type Schema = {
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: unknown;
  allOf?: Schema[];
  nullable?: boolean;
  enum?: unknown[];
};
type Operation = { requestBody?: { content?: Record<string, { schema?: Schema }> } };

/**
 * Makes the request-body schemas say what the platform's validation does with them:
 * - every object a body reaches gets `additionalProperties: false` (the validation pipe's `forbidNonWhitelisted`
 *   refuses unknown fields);
 * - every optional property is `nullable` (the validation pipe takes a null property as absent, `withoutNulls`;
 *   an enum lists null, as OpenAPI 3.0.3 asks).
 * Response schemas are left open: a client should ignore fields it does not know.
 */
export function strictRequestSchemas(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const seen = new Set<string>();
  const visit = (schema: Schema | undefined): void => {
    if (!schema) return;
    if (schema.$ref) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      if (seen.has(name)) return;
      seen.add(name);
      visit(schemas[name]);
      return;
    }
    schema.allOf?.forEach(visit);
    visit(schema.items);
    if (!schema.properties) return;
    schema.additionalProperties ??= false;
    for (const [name, property] of Object.entries(schema.properties)) {
      visit(property);
      if (schema.required?.includes(name)) continue;
      // a sibling of $ref is ignored in OpenAPI 3.0: wrap it to say null
      if (property.$ref) schema.properties[name] = { allOf: [property], nullable: true };
      else if (Array.isArray(property.enum))
        schema.properties[name] = { ...property, nullable: true, enum: [...property.enum, null] };
      else schema.properties[name] = { ...property, nullable: true };
    }
  };
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item as Record<string, Operation>)) {
      for (const media of Object.values(op?.requestBody?.content ?? {})) visit(media.schema);
    }
  }
  return document;
}
