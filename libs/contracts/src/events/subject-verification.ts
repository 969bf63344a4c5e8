import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsISO31661Alpha2,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  ArrayMaxSize,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CIDR_MAX_LENGTH,
  CIDR_PATTERN,
  EGRESS_RANGES_MAX_ITEMS,
  ID_LENGTH,
  LengthOf,
  NAME_LENGTH,
  REASON_LENGTH,
} from '../limits';
import { VERIFICATION_LEVELS, type VerificationLevel } from './verification';

export class UserRecordV1 {
  @IsString() @LengthOf(ID_LENGTH) userId!: string;
  @IsIn(VERIFICATION_LEVELS) level!: VerificationLevel;
  @IsOptional() @IsISO31661Alpha2() residenceCountry?: string;
  @IsOptional() @IsISO8601() verifiedAt?: string;
  @IsOptional() @IsISO8601() expiresAt?: string;
  @IsOptional() @IsString() @LengthOf(ID_LENGTH) organizationId?: string;
  @IsOptional() @IsString() @LengthOf(NAME_LENGTH) name?: string;
}

export class OrganizationApprovalRecordV1 {
  @IsString() @LengthOf(ID_LENGTH) approvalId!: string;
  @IsISO8601() approvedAt!: string;
  @IsOptional() @IsISO8601() expiresAt?: string;
  @IsBoolean() revoked!: boolean;
}

export class OrganizationRecordV1 {
  @IsString() @LengthOf(ID_LENGTH) organizationId!: string;
  @IsString() @LengthOf(NAME_LENGTH) legalName!: string;
  @IsISO31661Alpha2() countryOfIncorporation!: string;
  @IsOptional() @IsString() @LengthOf(NAME_LENGTH) parentName?: string;
  @IsOptional() @IsISO31661Alpha2() parentCountry?: string;
  /** Share (0–100 %) held by the foreign parent in `parentCountry`. */
  @IsOptional() @IsNumber() @Min(0) @Max(100) foreignShare?: number;
  @IsOptional()
  @ValidateNested()
  @Type(() => OrganizationApprovalRecordV1)
  approval?: OrganizationApprovalRecordV1;
  /** The organisation's egress CIDR ranges (bounded: each request's address is matched against all of them). */
  @IsArray()
  @ArrayMaxSize(EGRESS_RANGES_MAX_ITEMS)
  @IsString({ each: true })
  @MaxLength(CIDR_MAX_LENGTH, { each: true })
  @Matches(CIDR_PATTERN, { each: true, message: 'each value in $property must be a CIDR range' })
  egressRanges!: string[];
}

/** `subjects.verification.v1`: a registry update for bulk sync from a KYC provider or a back office. */
export class SubjectVerificationV1 {
  @IsUUID() eventId!: string;
  @IsISO8601() time!: string;
  /** Who made the change (system or person), recorded in the registry history. */
  @IsString() @LengthOf(ID_LENGTH) actor!: string;
  @IsString() @LengthOf(REASON_LENGTH) reason!: string;
  @IsOptional() @ValidateNested() @Type(() => UserRecordV1) user?: UserRecordV1;
  @IsOptional() @ValidateNested() @Type(() => OrganizationRecordV1) organization?: OrganizationRecordV1;
}
