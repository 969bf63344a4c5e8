import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsIP, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  ID_LENGTH,
  OUTCOMES,
  POLICY_VERSION_LENGTH,
  LengthOf,
  IsDateTime,
  type Outcome,
} from '@clearance/contracts';
import { OpenApiSchemas, stringOf } from '@clearance/platform';

const COUNTRY_FILTER = /^([A-Z]{2}|unknown)$/;
const REASON_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const TIER = /^[a-z][a-z0-9-]{0,31}$/;
const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;
export const MAX_PAGE_SIZE = 500;

/**
 * The filters an auditor may use, each typed: a value is a plain string of a known shape, never an object, so a
 * query parameter cannot carry a MongoDB operator. Unknown parameters are refused (400) by the validation pipe.
 */
export class RequestFilterDto {
  @ApiPropertyOptional({ ...stringOf(ID_LENGTH), description: 'Subject user id' })
  @IsOptional()
  @IsString()
  @LengthOf(ID_LENGTH)
  userId?: string;

  @ApiPropertyOptional({ ...stringOf(ID_LENGTH), description: 'Organisation id' })
  @IsOptional()
  @IsString()
  @LengthOf(ID_LENGTH)
  organizationId?: string;

  @ApiPropertyOptional({ ...OpenApiSchemas.ip, description: 'Request address (IPv4 or IPv6)' })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({
    type: 'string',
    pattern: COUNTRY_FILTER.source,
    description: 'Observed country (ISO 3166-1 alpha-2) or `unknown`',
    example: 'US',
  })
  @IsOptional()
  @Matches(COUNTRY_FILTER)
  country?: string;

  @ApiPropertyOptional({ type: 'string', enum: OUTCOMES })
  @IsOptional()
  @IsIn(OUTCOMES)
  outcome?: Outcome;

  @ApiPropertyOptional({
    type: 'string',
    pattern: REASON_CODE.source,
    description: 'Reason code',
    example: 'GEO_EMBARGOED_COUNTRY',
  })
  @IsOptional()
  @Matches(REASON_CODE)
  reason?: string;

  @ApiPropertyOptional({ ...stringOf(ID_LENGTH), description: 'Model id' })
  @IsOptional()
  @IsString()
  @LengthOf(ID_LENGTH)
  model?: string;

  @ApiPropertyOptional({
    type: 'string',
    pattern: TIER.source,
    description: 'Model tier the policy placed the request in',
    example: 'frontier',
  })
  @IsOptional()
  @Matches(TIER)
  tier?: string;

  @ApiPropertyOptional({ ...stringOf(POLICY_VERSION_LENGTH), description: 'Policy version' })
  @IsOptional()
  @IsString()
  @LengthOf(POLICY_VERSION_LENGTH)
  policyVersion?: string;

  @ApiPropertyOptional({
    ...OpenApiSchemas.dateTime,
    description: 'Requests at or after this time',
  })
  @IsOptional()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional({
    ...OpenApiSchemas.dateTime,
    description: 'Requests before this time; after `from` when both are given',
  })
  @IsOptional()
  @IsDateTime()
  to?: string;
}

export class RequestPageQueryDto extends RequestFilterDto {
  @ApiPropertyOptional({
    type: 'string',
    pattern: CURSOR.source,
    description: "The previous page's `nextCursor`, as issued (signed): any other value is a 400",
  })
  @IsOptional()
  @Matches(CURSOR)
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class ExportQueryDto extends RequestFilterDto {
  @ApiPropertyOptional({ type: 'string', enum: EXPORT_FORMATS, default: 'ndjson' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: ExportFormat;
}

export const STATS_BUCKETS = ['hour', 'day'] as const;
export type StatsBucket = (typeof STATS_BUCKETS)[number];

export class StatsQueryDto extends RequestFilterDto {
  @ApiPropertyOptional({ type: 'string', enum: STATS_BUCKETS, default: 'day' })
  @IsOptional()
  @IsIn(STATS_BUCKETS)
  bucket?: StatsBucket;
}

export class IntegrityQueryDto {
  @ApiPropertyOptional({
    ...OpenApiSchemas.dateTime,
    description: 'Records stored at or after this time',
  })
  @IsOptional()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional({
    ...OpenApiSchemas.dateTime,
    description: 'Records stored before this time; after `from` when both are given',
  })
  @IsOptional()
  @IsDateTime()
  to?: string;
}
