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
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { VERIFICATION_LEVELS, type VerificationLevel } from './verification';

export class UserRecordV1 {
  @IsString() @Length(1, 128) userId!: string;
  @IsIn(VERIFICATION_LEVELS) level!: VerificationLevel;
  @IsOptional() @IsISO31661Alpha2() residenceCountry?: string;
  @IsOptional() @IsISO8601() verifiedAt?: string;
  @IsOptional() @IsISO8601() expiresAt?: string;
  @IsOptional() @IsString() @Length(1, 128) organizationId?: string;
  @IsOptional() @IsString() @Length(1, 256) name?: string;
}

export class OrganizationApprovalRecordV1 {
  @IsString() @Length(1, 128) approvalId!: string;
  @IsISO8601() approvedAt!: string;
  @IsOptional() @IsISO8601() expiresAt?: string;
  @IsBoolean() revoked!: boolean;
}

export class OrganizationRecordV1 {
  @IsString() @Length(1, 128) organizationId!: string;
  @IsString() @Length(1, 256) legalName!: string;
  @IsISO31661Alpha2() countryOfIncorporation!: string;
  @IsOptional() @IsString() @Length(1, 256) parentName?: string;
  @IsOptional() @IsISO31661Alpha2() parentCountry?: string;
  /** Share (0–100 %) held by the foreign parent in `parentCountry`. */
  @IsOptional() @IsNumber() @Min(0) @Max(100) foreignShare?: number;
  @IsOptional()
  @ValidateNested()
  @Type(() => OrganizationApprovalRecordV1)
  approval?: OrganizationApprovalRecordV1;
  @IsArray() @IsString({ each: true }) egressRanges!: string[];
}

/** `subjects.verification.v1`: a registry update for bulk sync from a KYC provider or a back office. */
export class SubjectVerificationV1 {
  @IsUUID() eventId!: string;
  @IsISO8601() time!: string;
  /** Who made the change (system or person), recorded in the registry history. */
  @IsString() @Length(1, 128) actor!: string;
  @IsString() @Length(1, 512) reason!: string;
  @IsOptional() @ValidateNested() @Type(() => UserRecordV1) user?: UserRecordV1;
  @IsOptional() @ValidateNested() @Type(() => OrganizationRecordV1) organization?: OrganizationRecordV1;
}
