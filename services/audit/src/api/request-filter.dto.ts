import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsIP,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { OUTCOMES, type Outcome } from '@clearance/contracts';

/**
 * The filters an auditor may use, each typed: a value is a plain string of a known shape, never an object, so a
 * query parameter cannot carry a MongoDB operator. Unknown parameters are refused (400) by the validation pipe.
 */
export class RequestFilterDto {
  @ApiPropertyOptional({ description: 'Subject user id' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  userId?: string;

  @ApiPropertyOptional({ description: 'Organisation id' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  organizationId?: string;

  @ApiPropertyOptional({ description: 'Request address (IPv4 or IPv6)' })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({ description: 'Observed country (ISO 3166-1 alpha-2) or `unknown`', example: 'US' })
  @IsOptional()
  @Matches(/^([A-Z]{2}|unknown)$/)
  country?: string;

  @ApiPropertyOptional({ enum: OUTCOMES })
  @IsOptional()
  @IsIn(OUTCOMES)
  outcome?: Outcome;

  @ApiPropertyOptional({ description: 'Reason code', example: 'GEO_EMBARGOED_COUNTRY' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_]{0,63}$/)
  reason?: string;

  @ApiPropertyOptional({ description: 'Model id' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  model?: string;

  @ApiPropertyOptional({ description: 'Model tier the policy placed the request in', example: 'frontier' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{0,31}$/)
  tier?: string;

  @ApiPropertyOptional({ description: 'Policy version' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  policyVersion?: string;

  @ApiPropertyOptional({ description: 'Requests at or after this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Requests before this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class RequestPageQueryDto extends RequestFilterDto {
  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (`nextCursor`)' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,512}$/)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class ExportQueryDto extends RequestFilterDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'ndjson' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: ExportFormat;
}

export const STATS_BUCKETS = ['hour', 'day'] as const;
export type StatsBucket = (typeof STATS_BUCKETS)[number];

export class StatsQueryDto extends RequestFilterDto {
  @ApiPropertyOptional({ enum: STATS_BUCKETS, default: 'day' })
  @IsOptional()
  @IsIn(STATS_BUCKETS)
  bucket?: StatsBucket;
}

export class IntegrityQueryDto {
  @ApiPropertyOptional({ description: 'Records stored at or after this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Records stored before this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
