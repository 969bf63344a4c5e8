import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO31661Alpha2,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CIDR_MAX_LENGTH,
  CIDR_PATTERN,
  COUNTRY_CODE_PATTERN,
  EGRESS_RANGES_MAX_ITEMS,
  ID_LENGTH,
  NAME_LENGTH,
  OrganizationRecordV1,
  REASON_LENGTH,
  UserRecordV1,
  VERIFICATION_LEVELS,
  LengthOf,
  type VerificationLevel,
  IsDateTime,
} from '@clearance/contracts';
import { documentFields, OpenApiSchemas, stringOf } from '@clearance/platform';

/**
 * One spelling per country at the admin edge, as at ingest (`claimedCountry`): `us` is a 400, never a second
 * spelling of `US` in the registry.
 */
function CountryCode(): PropertyDecorator {
  return (target, key) => {
    IsISO31661Alpha2()(target, key);
    Matches(COUNTRY_CODE_PATTERN, { message: '$property must be an upper-case ISO 3166-1 alpha-2 code' })(
      target,
      key,
    );
  };
}

const EGRESS_RANGES_SCHEMA = {
  type: 'array',
  items: { type: 'string', maxLength: CIDR_MAX_LENGTH, pattern: CIDR_PATTERN.source },
  maxItems: EGRESS_RANGES_MAX_ITEMS,
  example: ['203.0.113.0/24'],
  description: 'CIDR ranges the organisation egresses from (IPv4 or IPv6)',
} as const;

/** Body of `PUT /v1/admin/users/{userId}`: the user's full record and why it changes. */
export class PutUserRequestDto {
  @ApiProperty({ enum: VERIFICATION_LEVELS }) @IsIn(VERIFICATION_LEVELS) level!: VerificationLevel;
  @ApiPropertyOptional({ ...OpenApiSchemas.country, example: 'US' })
  @IsOptional()
  @CountryCode()
  residenceCountry?: string;
  @ApiPropertyOptional(OpenApiSchemas.dateTime) @IsOptional() @IsDateTime() verifiedAt?: string;
  @ApiPropertyOptional(OpenApiSchemas.dateTime) @IsOptional() @IsDateTime() expiresAt?: string;
  @ApiPropertyOptional(stringOf(ID_LENGTH))
  @IsOptional()
  @IsString()
  @LengthOf(ID_LENGTH)
  organizationId?: string;
  @ApiPropertyOptional({
    ...stringOf(NAME_LENGTH),
    description: 'Full name, screened against the denied-party lists',
  })
  @IsOptional()
  @IsString()
  @LengthOf(NAME_LENGTH)
  name?: string;
  @ApiProperty({ ...stringOf(REASON_LENGTH), description: 'Why the record changes (kept in the history)' })
  @IsString()
  @LengthOf(REASON_LENGTH)
  reason!: string;
}

export class ApprovalDto {
  @ApiProperty(stringOf(ID_LENGTH)) @IsString() @LengthOf(ID_LENGTH) approvalId!: string;
  @ApiProperty(OpenApiSchemas.dateTime) @IsDateTime() approvedAt!: string;
  @ApiPropertyOptional(OpenApiSchemas.dateTime) @IsOptional() @IsDateTime() expiresAt?: string;
  @ApiProperty() @IsBoolean() revoked!: boolean;
}

/** Body of `PUT /v1/admin/organizations/{organizationId}`. */
export class PutOrganizationRequestDto {
  @ApiProperty(stringOf(NAME_LENGTH)) @IsString() @LengthOf(NAME_LENGTH) legalName!: string;
  @ApiProperty({ ...OpenApiSchemas.country, example: 'US' }) @CountryCode() countryOfIncorporation!: string;
  @ApiPropertyOptional(stringOf(NAME_LENGTH))
  @IsOptional()
  @IsString()
  @LengthOf(NAME_LENGTH)
  parentName?: string;
  @ApiPropertyOptional({ ...OpenApiSchemas.country, example: 'CN' })
  @IsOptional()
  @CountryCode()
  parentCountry?: string;
  @ApiPropertyOptional({
    type: 'number',
    minimum: 0,
    maximum: 100,
    description: 'Share (0–100 %) held by the parent in parentCountry',
  })
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
  @ApiProperty(EGRESS_RANGES_SCHEMA)
  @IsArray()
  @ArrayMaxSize(EGRESS_RANGES_MAX_ITEMS)
  @IsString({ each: true })
  @MaxLength(CIDR_MAX_LENGTH, { each: true })
  @Matches(CIDR_PATTERN, { each: true, message: 'each value in $property must be a CIDR range' })
  egressRanges!: string[];
  @ApiProperty({ ...stringOf(REASON_LENGTH), description: 'Why the record changes (kept in the history)' })
  @IsString()
  @LengthOf(REASON_LENGTH)
  reason!: string;
}

export class RevokeApprovalRequestDto {
  @ApiProperty(stringOf(REASON_LENGTH)) @IsString() @LengthOf(REASON_LENGTH) reason!: string;
}

/** The KYC webhook's user: the contract's `UserRecordV1` (its rules), documented. */
export class KycUserDto extends UserRecordV1 {}
documentFields(KycUserDto, {
  userId: stringOf(ID_LENGTH),
  level: { enum: VERIFICATION_LEVELS },
  residenceCountry: { ...OpenApiSchemas.country, required: false },
  verifiedAt: { ...OpenApiSchemas.dateTime, required: false },
  expiresAt: { ...OpenApiSchemas.dateTime, required: false },
  organizationId: { ...stringOf(ID_LENGTH), required: false },
  name: { ...stringOf(NAME_LENGTH), required: false },
});

/** The KYC webhook's organisation: the contract's `OrganizationRecordV1` (its rules), documented. */
export class KycOrganizationDto extends OrganizationRecordV1 {}
documentFields(KycOrganizationDto, {
  organizationId: stringOf(ID_LENGTH),
  legalName: stringOf(NAME_LENGTH),
  countryOfIncorporation: OpenApiSchemas.country,
  parentName: { ...stringOf(NAME_LENGTH), required: false },
  parentCountry: { ...OpenApiSchemas.country, required: false },
  foreignShare: { type: 'number', minimum: 0, maximum: 100, required: false },
  approval: { type: () => ApprovalDto, required: false },
  egressRanges: EGRESS_RANGES_SCHEMA,
});
