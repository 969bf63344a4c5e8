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
  Max,
  Min,
  ValidateNested,
  IsDefined,
} from 'class-validator';
import { DatasetVersionV1 } from './geo';

export const VERIFICATION_LEVELS = ['none', 'email', 'identity', 'entity-approved'] as const;
export type VerificationLevel = (typeof VERIFICATION_LEVELS)[number];
export const SCREENING_STATUSES = ['clear', 'potential-match', 'match', 'unavailable'] as const;
export type ScreeningStatus = (typeof SCREENING_STATUSES)[number];
export const SCREENED_FIELDS = ['subject-name', 'organization-name', 'parent-name'] as const;
export type ScreenedField = (typeof SCREENED_FIELDS)[number];

export class UserVerificationV1 {
  /** False when the registry has no record of the user (level is then `none`). */
  @IsBoolean() found!: boolean;
  @IsIn(VERIFICATION_LEVELS) level!: VerificationLevel;
  @IsOptional() @IsISO31661Alpha2() residenceCountry?: string;
  @IsOptional() @IsISO8601() verifiedAt?: string;
  @IsOptional() @IsISO8601() expiresAt?: string;
  /** True when `expiresAt` has passed: the level is then not to be trusted. */
  @IsBoolean() expired!: boolean;
  @IsOptional() @IsString() organizationId?: string;
}

export class ApprovalV1 {
  @IsString() approvalId!: string;
  @IsISO8601() approvedAt!: string;
  @IsOptional() @IsISO8601() expiresAt?: string;
  @IsBoolean() revoked!: boolean;
  /** Approved, not revoked and not expired at `VerificationSectionV1.evaluatedAt`. */
  @IsBoolean() valid!: boolean;
}

export class OwnershipV1 {
  /** More than 50 % held from a country of concern: the entity is treated as that country. */
  @IsBoolean() foreignOwned!: boolean;
  @IsOptional() @IsString() controllingCountry?: string;
  @IsOptional() @IsNumber() @Min(0) @Max(100) foreignShare?: number;
}

export class OrganizationVerificationV1 {
  @IsBoolean() found!: boolean;
  @IsString() organizationId!: string;
  @IsOptional() @IsString() legalName?: string;
  @IsOptional() @IsISO31661Alpha2() countryOfIncorporation?: string;
  @IsOptional() @IsString() parentName?: string;
  @IsOptional() @IsISO31661Alpha2() parentCountry?: string;
  @IsDefined() @ValidateNested() @Type(() => OwnershipV1) ownership!: OwnershipV1;
  @IsOptional() @ValidateNested() @Type(() => ApprovalV1) approval?: ApprovalV1;
  /** The organisation's registered egress CIDR ranges. */
  @IsArray() @IsString({ each: true }) egressRanges!: string[];
  /** True when the request address lies in one of `egressRanges`. */
  @IsBoolean() egressMatch!: boolean;
}

export class ScreeningMatchV1 {
  @IsIn(SCREENED_FIELDS) field!: ScreenedField;
  /** The screened name as given. */
  @IsString() query!: string;
  @IsNumber() @Min(0) @Max(1) score!: number;
  /** Source list, e.g. `ofac-sdn`, `csl`. */
  @IsString() list!: string;
  @IsString() entryId!: string;
  /** The listed name or alias that matched. */
  @IsString() listedName!: string;
  @IsArray() @IsString({ each: true }) programs!: string[];
}

export class ScreeningV1 {
  @IsIn(SCREENING_STATUSES) status!: ScreeningStatus;
  /** Best candidates first (at most a handful). */
  @IsArray() @ValidateNested({ each: true }) @Type(() => ScreeningMatchV1) matches!: ScreeningMatchV1[];
  /** Every list used, with its date and content hash. */
  @IsArray() @ValidateNested({ each: true }) @Type(() => DatasetVersionV1) lists!: DatasetVersionV1[];
  /**
   * True when a list used is older than the stage's maximum list age (newer designations may be missing).
   * Absent only in events recorded before list ages were checked.
   */
  @IsOptional() @IsBoolean() stale?: boolean;
}

export class VerificationSectionV1 {
  /** `unavailable` when the registry could not be read in time (the decision denies). */
  @IsIn(['ok', 'unavailable']) status!: 'ok' | 'unavailable';
  /** True when the registry data used is older than the configured freshness bound. */
  @IsBoolean() stale!: boolean;
  @IsDefined() @ValidateNested() @Type(() => UserVerificationV1) user!: UserVerificationV1;
  @IsOptional()
  @ValidateNested()
  @Type(() => OrganizationVerificationV1)
  organization?: OrganizationVerificationV1;
  @IsDefined() @ValidateNested() @Type(() => ScreeningV1) screening!: ScreeningV1;
  @IsISO8601() evaluatedAt!: string;
}
