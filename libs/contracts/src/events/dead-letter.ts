import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  ValidateNested,
  IsDefined,
} from 'class-validator';
import { STAGE_NAMES } from './envelope';
import type { StageName } from '../topics';

export const DEAD_LETTER_KINDS = [
  'invalid-json',
  'schema-violation',
  'unknown-event-type',
  'oversized',
  'handler-error',
  'unprocessable',
] as const;
export type DeadLetterKind = (typeof DEAD_LETTER_KINDS)[number];

export class DeadLetterSourceV1 {
  @IsString() topic!: string;
  @IsInt() partition!: number;
  /** Kafka offsets are 64-bit: kept as a decimal string. */
  @IsString() offset!: string;
  @IsOptional() @IsString() key?: string;
  /** Original headers, values decoded as UTF-8. */
  @IsObject() headers!: Record<string, string>;
  @IsOptional() @IsString() timestamp?: string;
}

/**
 * `access.deadletter.v1`: a message a stage could not process, with the original bytes and why. It does not
 * extend the access envelope: a poison message may have no request id or timestamps at all.
 */
export class DeadLetterV1 {
  @IsUUID() eventId!: string;
  @IsISO8601() time!: string;
  @IsIn(STAGE_NAMES) producer!: StageName;
  @IsOptional() @IsString() requestId?: string;
  @IsIn(DEAD_LETTER_KINDS) kind!: DeadLetterKind;
  /** One sentence a person can act on. */
  @IsString() reason!: string;
  /** Field-level validation messages, when the kind is `schema-violation`. */
  @IsArray() @IsString({ each: true }) details!: string[];
  @IsDefined() @ValidateNested() @Type(() => DeadLetterSourceV1) source!: DeadLetterSourceV1;
  /** The original message value, base64-encoded (it may not be valid UTF-8 or JSON). */
  @IsString() payloadBase64!: string;
}
