import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { MongoEnv } from '@clearance/platform';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value);

/** Environment of the verification service (docs/verification.md lists each variable). */
export class VerificationEnv extends MongoEnv {
  /** Admin bearer tokens as `name:sha256hex[,name:sha256hex…]` (the hex is the SHA-256 of the token). */
  @IsOptional()
  @IsString()
  @Matches(/^[\w.@-]+:[0-9a-fA-F]{64}(,[\w.@-]+:[0-9a-fA-F]{64})*$/, {
    message: 'ADMIN_TOKENS must be name:sha256hex[,name:sha256hex...]',
  })
  ADMIN_TOKENS?: string;
  /** File with one `name:sha256hex` per line (read at start, in addition to ADMIN_TOKENS). */
  @IsOptional() @IsString() ADMIN_TOKENS_FILE?: string;
  /** Shared secret of the KYC provider's webhook signatures; without it every webhook is refused. */
  @IsOptional() @IsString() KYC_WEBHOOK_SECRET?: string;
  /** How old a webhook timestamp may be (and how far in the future), seconds. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600) KYC_WEBHOOK_TOLERANCE_SECONDS = 300;
  /** How long one request may wait for the registry before `unavailable` is emitted, milliseconds. */
  @Transform(toInt) @IsInt() @Min(0) @Max(60000) REGISTRY_TIMEOUT_MS = 5000;
  /**
   * Full re-read of the in-memory registry cache, milliseconds (picks up other replicas' writes; this process's
   * own writes are in the cache at once). 0: no cache, the registry is read for every request.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(86_400_000) REGISTRY_CACHE_REFRESH_MS = 300_000;
  /** Without a successful full re-read for this long the cache vouches for nothing (status `unavailable`). */
  @Transform(toInt) @IsInt() @Min(1000) @Max(86_400_000) REGISTRY_CACHE_MAX_AGE_MS = 900_000;
  /** Registry data verified or changed longer ago than this is flagged stale, days. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) REGISTRY_STALE_AFTER_DAYS = 365;
  /** Comma-separated ISO 3166-1 alpha-2 codes; default data/countries-of-concern.json. */
  @IsOptional()
  @Matches(/^[A-Z]{2}(,[A-Z]{2})*$/, { message: 'COUNTRIES_OF_CONCERN must be CC[,CC...]' })
  COUNTRIES_OF_CONCERN?: string;
  /** OFAC files in the official layout; default: the shipped 2024-05-03 list (alt/add of 2021-07). */
  @IsOptional() @IsString() SANCTIONS_SDN_PATH?: string;
  @IsOptional() @IsString() SANCTIONS_ALT_PATH?: string;
  @IsOptional() @IsString() SANCTIONS_ADD_PATH?: string;
  /** trade.gov Consolidated Screening List CSV; `none` to screen against OFAC only. */
  @IsOptional() @IsString() SANCTIONS_CSL_PATH?: string;
  /** Dates recorded as the lists' versions; default: the file's modification date. */
  @IsOptional() @IsString() SANCTIONS_SDN_DATE?: string;
  @IsOptional() @IsString() SANCTIONS_CSL_DATE?: string;
  /**
   * A list older than this (by its date) is stale: readiness fails and every screening says `stale: true`.
   * 30 in production; only development and tests raise it to accept the shipped snapshot.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(36500) SANCTIONS_MAX_AGE_DAYS = 30;
  /** How often the list files are checked for changes, milliseconds (0: never). */
  @Transform(toInt) @IsInt() @Min(0) SANCTIONS_RELOAD_INTERVAL_MS = 60000;
  @Transform(toInt) @IsInt() @Min(100) SCREENING_CACHE_SIZE = 50000;
}
