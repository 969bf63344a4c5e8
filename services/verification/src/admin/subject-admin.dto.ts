import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO31661Alpha2,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { VERIFICATION_LEVELS, type VerificationLevel } from '@clearance/contracts';

/** Egress ranges one organisation may register: enough for a large company, small enough to match per request. */
export const MAX_EGRESS_RANGES = 256;

/** Body of `PUT /v1/admin/users/{userId}`: the user's full record and why it changes. */
export class PutUserRequestDto {
  @ApiProperty({ enum: VERIFICATION_LEVELS }) @IsIn(VERIFICATION_LEVELS) level!: VerificationLevel;
  @ApiPropertyOptional({ example: 'US' }) @IsOptional() @IsISO31661Alpha2() residenceCountry?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601() verifiedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601() expiresAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) organizationId?: string;
  @ApiPropertyOptional({ description: 'Full name, screened against the denied-party lists' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  name?: string;
  @ApiProperty({ description: 'Why the record changes (kept in the history)' })
  @IsString()
  @Length(1, 512)
  reason!: string;
}

export class ApprovalDto {
  @ApiProperty() @IsString() @Length(1, 128) approvalId!: string;
  @ApiProperty({ format: 'date-time' }) @IsISO8601() approvedAt!: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601() expiresAt?: string;
  @ApiProperty() @IsBoolean() revoked!: boolean;
}

/** Body of `PUT /v1/admin/organizations/{organizationId}`. */
export class PutOrganizationRequestDto {
  @ApiProperty() @IsString() @Length(1, 256) legalName!: string;
  @ApiProperty({ example: 'US' }) @IsISO31661Alpha2() countryOfIncorporation!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 256) parentName?: string;
  @ApiPropertyOptional({ example: 'CN' }) @IsOptional() @IsISO31661Alpha2() parentCountry?: string;
  @ApiPropertyOptional({ description: 'Share (0–100 %) held by the parent in parentCountry' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(100)
  foreignShare?: number;
  @ApiPropertyOptional({ type: ApprovalDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ApprovalDto)
  approval?: ApprovalDto;
  @ApiProperty({ type: [String], example: ['203.0.113.0/24'], maxItems: MAX_EGRESS_RANGES })
  @IsArray()
  @ArrayMaxSize(MAX_EGRESS_RANGES)
  @IsString({ each: true })
  @MaxLength(43, { each: true })
  egressRanges!: string[];
  @ApiProperty({ description: 'Why the record changes (kept in the history)' })
  @IsString()
  @Length(1, 512)
  reason!: string;
}

export class RevokeApprovalRequestDto {
  @ApiProperty() @IsString() @Length(1, 512) reason!: string;
}
