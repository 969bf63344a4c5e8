import { Length } from 'class-validator';
import { CountryCodes } from 'validator/lib/isISO31661Alpha2';

/**
 * The bounds of every wire field, each spelled once. They are written in JSON Schema's words so that an OpenAPI
 * property can spread them (`@ApiProperty({ ...ID_LENGTH })`) while the class-validator decorator reads the same
 * numbers (`@Length(ID_LENGTH.minLength, ID_LENGTH.maxLength)`): the documents and the validators cannot drift.
 */
export interface LengthBound {
  readonly minLength: number;
  readonly maxLength: number;
}

/** `@Length` of a bound: the validator reads the numbers the document spreads. */
export function LengthOf(bound: LengthBound): PropertyDecorator {
  return Length(bound.minLength, bound.maxLength);
}

/** Ids: request, user, organisation, model, approval, client. */
export const ID_LENGTH = { minLength: 1, maxLength: 128 } as const satisfies LengthBound;
/** Names of people and organisations (screened against the denied-party lists). */
export const NAME_LENGTH = { minLength: 1, maxLength: 256 } as const satisfies LengthBound;
/** Why a registry record changes (kept in its history). */
export const REASON_LENGTH = { minLength: 1, maxLength: 512 } as const satisfies LengthBound;
/** A KYC provider's name or reference. */
export const PROVIDER_LENGTH = { minLength: 1, maxLength: 100 } as const satisfies LengthBound;
/** A policy version as the policy file names it. */
export const POLICY_VERSION_LENGTH = { minLength: 1, maxLength: 64 } as const satisfies LengthBound;

/** RFC 5321's limit of a forward path. */
export const EMAIL_MAX_LENGTH = 254;
export const USER_AGENT_MAX_LENGTH = 512;
/** `X-Forwarded-For` hops one request may carry. */
export const FORWARDED_FOR_MAX_ITEMS = 16;
/** Egress ranges one organisation may register: enough for a large company, small enough to match per request. */
export const EGRESS_RANGES_MAX_ITEMS = 256;
/** The longest CIDR range text we take: a full eight-group IPv6 address and `/128`. */
export const CIDR_MAX_LENGTH = 43;

/** What a subject wants to do with a model (`inference`, `fine-tune`, …). */
export const ACTION_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
/** Country codes in upper case only: the policy compares codes as strings, so `kp` must never pass where `KP` is denied. */
export const COUNTRY_CODE_PATTERN = /^[A-Z]{2}$/;
/** The ISO 3166-1 alpha-2 codes `@IsISO31661Alpha2()` accepts (validator.js's list), in upper case and sorted. */
export const COUNTRY_CODES: readonly string[] = [...CountryCodes].sort();

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `(?:${OCTET}\\.){3}${OCTET}`;
const H16 = '[0-9a-fA-F]{1,4}';
/** RFC 4291 text forms, `::` and an embedded IPv4 included (the alternatives validator.js's `isIP` uses). */
const IPV6 = [
  `(?:${H16}:){7}(?:${H16}|:)`,
  `(?:${H16}:){6}(?:${IPV4}|:${H16}|:)`,
  `(?:${H16}:){5}(?::${IPV4}|(?::${H16}){1,2}|:)`,
  `(?:${H16}:){4}(?:(?::${H16}){0,1}:${IPV4}|(?::${H16}){1,3}|:)`,
  `(?:${H16}:){3}(?:(?::${H16}){0,2}:${IPV4}|(?::${H16}){1,4}|:)`,
  `(?:${H16}:){2}(?:(?::${H16}){0,3}:${IPV4}|(?::${H16}){1,5}|:)`,
  `(?:${H16}:){1}(?:(?::${H16}){0,4}:${IPV4}|(?::${H16}){1,6}|:)`,
  `(?::(?:(?::${H16}){0,5}:${IPV4}|(?::${H16}){1,7}|:))`,
].join('|');
/**
 * A CIDR range in plain text: dotted-quad IPv4 with `/0`–`/32`, or IPv6 with `/0`–`/128`. Stricter than
 * ipaddr.js (which also takes `0x7f000001/8` and zone ids): one spelling, and a JSON Schema pattern can say it.
 */
export const CIDR_PATTERN = new RegExp(
  `^(?:${IPV4}/(?:3[0-2]|[12]?\\d)|(?:${IPV6})/(?:12[0-8]|1[01]\\d|[1-9]?\\d))$`,
);
