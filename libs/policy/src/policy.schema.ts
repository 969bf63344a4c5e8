import { OUTCOMES, REASON_CODES } from '@clearance/contracts';
import { FACT_NAMES } from './policy.facts';

const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' };
// `group:<name>` or a list of values (entries may themselves be `group:<name>`).
const setRef = {
  type: ['string', 'array'],
  pattern: '^group:[A-Za-z0-9_-]+$',
  items: { type: 'string', minLength: 1 },
};
const scalar = { type: ['string', 'number', 'boolean'] };

const OPERATORS = {
  equals: scalar,
  notEquals: scalar,
  in: setRef,
  notIn: setRef,
  anyIn: setRef,
  anyNotIn: setRef,
  exists: { type: 'boolean' },
  gt: { type: 'number' },
  gte: { type: 'number' },
  lt: { type: 'number' },
  lte: { type: 'number' },
  equalsFact: { enum: FACT_NAMES },
  notEqualsFact: { enum: FACT_NAMES },
};

export const OPERATOR_NAMES = Object.keys(OPERATORS) as (keyof typeof OPERATORS)[];

const rule = {
  type: 'object',
  required: ['id', 'outcome', 'reason', 'message'],
  additionalProperties: false,
  properties: {
    id,
    description: { type: 'string' },
    when: { $ref: '#/$defs/condition' },
    outcome: { enum: [...OUTCOMES] },
    reason: { enum: [...REASON_CODES] },
    message: { type: 'string', minLength: 1 },
    obligations: { type: 'array', items: { type: 'string', pattern: '^[a-z][a-z0-9-]*(:[a-z0-9-]+)?$' } },
    ttlSeconds: { type: 'integer', minimum: 0 },
  },
};

/** JSON Schema of a policy document (apiVersion `clearance.policy/v1`); docs/policy.md describes it. */
export const POLICY_SCHEMA = {
  $id: 'https://clearance.local/schemas/policy-v1.json',
  type: 'object',
  required: ['apiVersion', 'id', 'version', 'models', 'tiers', 'default'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'clearance.policy/v1' },
    id,
    version: { type: 'string', minLength: 1, maxLength: 64 },
    description: { type: 'string' },
    imports: {
      type: 'object',
      additionalProperties: false,
      properties: { countryGroups: { type: 'string', minLength: 1 } },
    },
    groups: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9_-]+$' },
      additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 } },
    },
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: { decisionTtlSeconds: { type: 'integer', minimum: 0 } },
    },
    models: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['match', 'tier'],
        additionalProperties: false,
        properties: { match: { type: 'string', minLength: 1 }, tier: id },
      },
    },
    rules: { type: 'array', items: rule },
    tiers: {
      type: 'object',
      minProperties: 1,
      propertyNames: id,
      additionalProperties: {
        type: 'object',
        required: ['rules'],
        additionalProperties: false,
        properties: { description: { type: 'string' }, rules: { type: 'array', items: rule } },
      },
    },
    default: {
      type: 'object',
      required: ['reason', 'message'],
      additionalProperties: false,
      properties: {
        // The fallback outcome is always deny (fail closed), so it is not configurable.
        reason: { enum: [...REASON_CODES] },
        message: { type: 'string', minLength: 1 },
        ttlSeconds: { type: 'integer', minimum: 0 },
      },
    },
  },
  $defs: {
    // if/then chains instead of oneOf, so a broken condition gets one precise error instead of one per branch.
    condition: {
      type: 'object',
      if: { required: ['all'] },
      then: {
        additionalProperties: false,
        properties: { all: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } } },
      },
      else: {
        if: { required: ['any'] },
        then: {
          additionalProperties: false,
          properties: { any: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' } } },
        },
        else: {
          if: { required: ['not'] },
          then: { additionalProperties: false, properties: { not: { $ref: '#/$defs/condition' } } },
          else: {
            required: ['fact'],
            additionalProperties: false,
            minProperties: 2,
            maxProperties: 2,
            properties: { fact: { enum: FACT_NAMES }, ...OPERATORS },
          },
        },
      },
    },
  },
} as const;
