import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import * as cv from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { validationMetadataArrayToSchemas } from 'class-validator-jsonschema';
import { EVENT_CLASSES } from '../event-map';

/**
 * Custom JSON Schema formats of the event schemas. Each is checked with the class-validator function of the
 * decorator it comes from (event.validator.ts), so the formats mean what the decorators mean.
 */
export const EventFormats = {
  /** `@IsISO8601()`: any ISO 8601 date or date-time validator.js accepts, not only RFC 3339. */
  Iso8601: 'iso8601',
  /** `@IsIP()`: IPv4 or IPv6 (zone ids allowed). */
  Ip: 'ip',
  Ipv4: 'ipv4',
  Ipv6: 'ipv6',
  /** `@IsUUID()`: any version, case-insensitive. */
  Uuid: 'uuid',
  /** `@IsEmail()` with validator.js defaults. */
  Email: 'email',
  /** `@IsISO31661Alpha2()`: ISO 3166-1 alpha-2, case-insensitive. */
  Iso31661Alpha2: 'iso3166-1-alpha2',
} as const;

export type EventSchema = ReturnType<typeof validationMetadataArrayToSchemas>[string];
type SchemaOptions = NonNullable<Parameters<typeof validationMetadataArrayToSchemas>[1]>;
type Meta = ValidationMetadata;
type Ctor = abstract new (...args: never[]) => unknown;
type Converter = (meta: Meta) => EventSchema;

const storage = cv.getMetadataStorage();

/** Decorators on the same property: a converter needs them to pick `integer` over `number`. */
function siblings(meta: Meta): Meta[] {
  const target = meta.target as new () => unknown;
  return withConstraintNames(storage.getTargetValidationMetadatas(target, '', true, false)).filter(
    (m) => m.propertyName === meta.propertyName,
  );
}

function numericType(meta: Meta): 'integer' | 'number' {
  return siblings(meta).some((m) => m.type === cv.IS_INT) ? 'integer' : 'number';
}

function noOptions(meta: Meta, name: string): void {
  const options = (meta.constraints ?? []).filter(
    (c) => c !== undefined && !(typeof c === 'object' && c !== null && Object.keys(c).length === 0),
  );
  if (options.length > 0) {
    throw new Error(`${describe(meta)}: @${name} with options has no schema converter yet`);
  }
}

function describe(meta: Meta): string {
  return `${(meta.target as { name?: string }).name ?? String(meta.target)}.${meta.propertyName}`;
}

/**
 * Converters where the library's default is missing or looser than the decorator: each output accepts exactly
 * what the decorator accepts once the formats above are registered (the differential spec checks it).
 */
const CONVERTERS: Record<string, Converter> = {
  [cv.IS_ISO8601]: (meta) => {
    noOptions(meta, 'IsISO8601');
    return { type: 'string', format: EventFormats.Iso8601 };
  },
  [cv.IS_IP]: (meta) => {
    const version = meta.constraints?.[0] as string | number | undefined;
    if (version === undefined || version === null) return { type: 'string', format: EventFormats.Ip };
    if (String(version) === '4') return { type: 'string', format: EventFormats.Ipv4 };
    if (String(version) === '6') return { type: 'string', format: EventFormats.Ipv6 };
    throw new Error(`${describe(meta)}: unknown IP version ${String(version)}`);
  },
  [cv.IS_UUID]: (meta) => {
    noOptions(meta, 'IsUUID');
    return { type: 'string', format: EventFormats.Uuid };
  },
  [cv.IS_EMAIL]: (meta) => {
    noOptions(meta, 'IsEmail');
    return { type: 'string', format: EventFormats.Email };
  },
  [cv.IS_ISO31661_ALPHA_2]: () => ({ type: 'string', format: EventFormats.Iso31661Alpha2 }),
  // validator.js compares with ===, whatever the value types: always an enum, typed when they agree.
  [cv.IS_IN]: (meta) => {
    const values = meta.constraints[0] as unknown[];
    const types = new Set(values.map((v) => (typeof v === 'number' ? 'number' : typeof v)));
    const [only] = [...types];
    return types.size === 1 && (only === 'string' || only === 'number' || only === 'boolean')
      ? { type: only, enum: values }
      : { enum: values };
  },
  [cv.MIN]: (meta) => ({ type: numericType(meta), minimum: meta.constraints[0] as number }),
  [cv.MAX]: (meta) => ({ type: numericType(meta), maximum: meta.constraints[0] as number }),
  // JSON Schema patterns carry no flags: a flagged regex would silently change meaning.
  [cv.MATCHES]: (meta) => {
    const re = meta.constraints[0] as RegExp | string;
    if (!(re instanceof RegExp) || re.flags !== '' || meta.constraints[1] !== undefined) {
      throw new Error(`${describe(meta)}: @Matches needs a RegExp without flags to become a schema`);
    }
    return { type: 'string', pattern: re.source };
  },
  [cv.IS_NUMBER]: (meta) => {
    noOptions(meta, 'IsNumber');
    return { type: 'number' };
  },
};

/** Every decorator type the converters above or the library's defaults turn into an equivalent schema. */
const SUPPORTED = new Set<string>([
  ...Object.keys(CONVERTERS),
  cv.ValidationTypes.NESTED_VALIDATION,
  cv.ValidationTypes.CONDITIONAL_VALIDATION,
  cv.ValidationTypes.IS_DEFINED,
  cv.IS_STRING,
  cv.IS_BOOLEAN,
  cv.IS_INT,
  cv.IS_ARRAY,
  cv.IS_OBJECT,
  cv.IS_LENGTH,
  cv.MIN_LENGTH,
  cv.MAX_LENGTH,
  cv.ARRAY_MAX_SIZE,
]);

/** class-validator stores built-in decorators as custom constraints; the schema converters key on their name. */
function withConstraintNames(metas: Meta[]): Meta[] {
  return metas.map((m) => {
    const constraint = m.constraintCls
      ? storage.getTargetValidatorConstraints(m.constraintCls)[0]
      : undefined;
    return (constraint ? { ...m, type: constraint.name } : { ...m }) as Meta;
  });
}

/** The event classes and every class they nest, with their base classes. */
function reachableClasses(): Set<Ctor> {
  const seen = new Set<Ctor>();
  const visit = (cls: Ctor): void => {
    for (
      let c = cls;
      c && c !== (Function.prototype as unknown) && !seen.has(c);
      c = Object.getPrototypeOf(c) as Ctor
    ) {
      seen.add(c);
      for (const m of storage.getTargetValidationMetadatas(c, '', true, false)) {
        if (m.type !== cv.ValidationTypes.NESTED_VALIDATION) continue;
        const type = defaultMetadataStorage.findTypeMetadata(m.target as Ctor, m.propertyName);
        if (!type) throw new Error(`${describe(m)}: @ValidateNested needs @Type(() => Class)`);
        visit(type.typeFunction() as Ctor);
      }
    }
  };
  for (const cls of Object.values(EVENT_CLASSES)) visit(cls);
  return seen;
}

/** `@IsOptional()` lets null through as well as a missing field: the schema says so. */
function allowNull(schema: EventSchema): EventSchema {
  if (Array.isArray(schema.enum)) {
    const { type, ...rest } = schema;
    return {
      ...rest,
      ...(typeof type === 'string' ? { type: [type, 'null'] } : {}),
      enum: [...schema.enum, null],
    };
  }
  if (typeof schema.type === 'string' && !('$ref' in schema))
    return { ...schema, type: [schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

/**
 * JSON Schemas of the event classes and the classes they nest, keyed by class name, derived from their
 * class-validator decorators. The one source of both the AsyncAPI document and the consumers' validators.
 */
export function buildEventSchemas(refPointerPrefix: string): Record<string, EventSchema> {
  const classes = reachableClasses();
  // Own decorators only (the library adds the inherited ones), in declaration order as the library reads them.
  const declared = (storage as unknown as { validationMetadatas: Map<Ctor, Meta[]> }).validationMetadatas;
  const metadatas = withConstraintNames(
    [...declared.entries()].filter(([target]) => classes.has(target)).flatMap(([, metas]) => metas),
  );
  const unsupported = metadatas.filter(
    (m) =>
      !SUPPORTED.has(m.type) ||
      m.always ||
      m.groups?.length ||
      // @ValidateIf shares @IsOptional's type but not its meaning
      (m.type === cv.ValidationTypes.CONDITIONAL_VALIDATION && m.name !== cv.IS_OPTIONAL),
  );
  if (unsupported.length > 0) {
    throw new Error(
      `no JSON Schema converter for ${unsupported.map((m) => `${describe(m)} (${m.type})`).join(', ')}` +
        ': add one in libs/contracts/src/schema/event.schemas.ts',
    );
  }
  const optional = new Set(
    metadatas
      .filter((m) => m.type === cv.ValidationTypes.CONDITIONAL_VALIDATION)
      .map((m) => `${(m.target as Ctor).name}.${m.propertyName}`),
  );
  const schemas = validationMetadataArrayToSchemas(metadatas, {
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix,
    additionalConverters: CONVERTERS as SchemaOptions['additionalConverters'],
  });
  for (const [name, schema] of Object.entries(schemas)) {
    const cls = [...classes].find((c) => c.name === name);
    for (const [prop, propSchema] of Object.entries(schema.properties ?? {})) {
      const own = optional.has(`${name}.${prop}`);
      const inherited = [...classes].some(
        (c) => cls !== undefined && cls.prototype instanceof c && optional.has(`${c.name}.${prop}`),
      );
      if (own || inherited) schema.properties![prop] = allowNull(propSchema as EventSchema);
    }
  }
  return Object.fromEntries(
    Object.keys(schemas)
      .sort()
      .map((k) => [k, schemas[k]!]),
  );
}
