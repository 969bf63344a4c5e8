import { Type } from 'class-transformer';
import { IsISO8601, IsIn, IsOptional, IsString, IsUUID, ValidateNested, IsDefined } from 'class-validator';
import { ID_LENGTH, LengthOf } from '../limits';
import { Stages, type StageName } from '../topics';

export const STAGE_NAMES = Object.values(Stages);

/** When each stage finished its part of a request (ISO 8601, millisecond precision); latency is measured from these. */
export class StageTimestampsV1 {
  /** When ingest accepted the HTTP request. */
  @IsISO8601() requestedAt!: string;
  @IsOptional() @IsISO8601() geolocatedAt?: string;
  @IsOptional() @IsISO8601() verifiedAt?: string;
  @IsOptional() @IsISO8601() decidedAt?: string;
}

/**
 * The fields every Clearance event carries. `eventId` equals the CloudEvents `ce_id` header and is the
 * idempotency key downstream; a stage derives it deterministically from the event it consumed, so a
 * redelivered input yields the same output id.
 */
export abstract class EventEnvelopeV1 {
  @IsUUID() eventId!: string;
  /** The access request this event belongs to; also the Kafka message key. */
  @IsString() @LengthOf(ID_LENGTH) requestId!: string;
  @IsISO8601() time!: string;
  @IsIn(STAGE_NAMES) producer!: StageName;
  /** `eventId` of the event this one was derived from (absent on the first event of a request). */
  @IsOptional() @IsUUID() causationId?: string;
  @IsDefined() @ValidateNested() @Type(() => StageTimestampsV1) timestamps!: StageTimestampsV1;
}
