import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIP,
  IsISO31661Alpha2,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
  IsDefined,
} from 'class-validator';
import {
  ACTION_PATTERN,
  COUNTRY_CODE_PATTERN,
  EMAIL_MAX_LENGTH,
  FORWARDED_FOR_MAX_ITEMS,
  ID_LENGTH,
  LengthOf,
  NAME_LENGTH,
  USER_AGENT_MAX_LENGTH,
} from '../limits';

/** Who asks. Only `userId` is required; the rest is what the upstream API knows and is screened. */
export class SubjectV1 {
  @IsString() @LengthOf(ID_LENGTH) userId!: string;
  @IsOptional() @IsString() @LengthOf(ID_LENGTH) organizationId?: string;
  /** Full name of the person, screened against the denied-party lists. */
  @IsOptional() @IsString() @LengthOf(NAME_LENGTH) name?: string;
  @IsOptional() @IsString() @LengthOf(NAME_LENGTH) organizationName?: string;
  @IsOptional() @IsEmail() @MaxLength(EMAIL_MAX_LENGTH) email?: string;
  /**
   * Country the subject claims, e.g. the billing country (ISO 3166-1 alpha-2, upper case only: the policy compares
   * codes as strings, and `kp` must never pass where `KP` is denied).
   */
  @IsOptional()
  @IsISO31661Alpha2()
  @Matches(COUNTRY_CODE_PATTERN, { message: 'claimedCountry must be an upper-case ISO 3166-1 alpha-2 code' })
  claimedCountry?: string;
}

/**
 * A scoped IPv6 address (`fe80::1%eth0`) names an interface of the sender's own link, never a client on the
 * internet: no data set can place it, so it is refused here rather than dead-lettered later.
 */
const NO_ZONE_ID = /^[^%]*$/;
const ZONE_ID_MESSAGE = '$property must be an address without an IPv6 zone id (%…)';

export class NetworkV1 {
  /** The address the request came from (IPv4 or IPv6, without a zone id). */
  @IsIP() @Matches(NO_ZONE_ID, { message: ZONE_ID_MESSAGE }) ip!: string;
  /** `X-Forwarded-For` chain as seen by the upstream API, client first. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(FORWARDED_FOR_MAX_ITEMS)
  @IsIP(undefined, { each: true })
  @Matches(NO_ZONE_ID, { each: true, message: ZONE_ID_MESSAGE })
  forwardedFor?: string[];
  @IsOptional() @IsString() @MaxLength(USER_AGENT_MAX_LENGTH) userAgent?: string;
}

export const KNOWN_ACTIONS = ['inference', 'fine-tune', 'weights-download', 'embedding', 'batch'] as const;

export class ResourceV1 {
  /** Model id as the provider names it; mapped to a tier by the policy. */
  @IsString() @LengthOf(ID_LENGTH) model!: string;
  /** What the subject wants to do with the model, e.g. `inference`, `fine-tune`, `weights-download`. */
  @IsString() @Matches(ACTION_PATTERN) action!: string;
}

/** The access request as ingest accepted it; carried unchanged by every later event. */
export class AccessRequestV1 {
  @IsString() @LengthOf(ID_LENGTH) requestId!: string;
  @IsDefined() @ValidateNested() @Type(() => SubjectV1) subject!: SubjectV1;
  @IsDefined() @ValidateNested() @Type(() => NetworkV1) network!: NetworkV1;
  @IsDefined() @ValidateNested() @Type(() => ResourceV1) resource!: ResourceV1;
  /** When the upstream API saw the request (defaults to the time ingest received it). */
  @IsISO8601() occurredAt!: string;
  /** Name of the authenticated API client that submitted the request. */
  @IsString() @LengthOf(ID_LENGTH) client!: string;
}
