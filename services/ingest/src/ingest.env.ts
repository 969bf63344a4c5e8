import { MongoEnv } from '@clearance/platform';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';

const toBool = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;
const toInt = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? Number(value) : value);

/** Environment of the ingest service (documented in docs/api.md and docs/operations.md). */
export class IngestEnv extends MongoEnv {
  /** `name:sha256hex,name2:sha256hex`: SHA-256 (hex) of each client's API key. */
  @IsOptional() @IsString() INGEST_API_KEYS?: string;
  /** JSON or YAML list of `{ name, sha256, revoked }`. */
  @IsOptional() @IsString() INGEST_API_KEYS_FILE?: string;
  /**
   * Requests per client per window, a batch counting each item. Each replica counts on its own: set it to the
   * intended limit divided by the replicas (deploy/k8s/ingest.yaml, checked by tools/k8s-check).
   */
  @Transform(toInt) @IsInt() @Min(1) INGEST_RATE_LIMIT = 1000;
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000) INGEST_RATE_WINDOW_MS = 10_000;
  /** Requests per source address per window, whatever the key (counted before the key is checked). */
  @Transform(toInt) @IsInt() @Min(1) INGEST_ADDRESS_RATE_LIMIT = 2000;
  /** Failed authentications per address per INGEST_AUTH_FAILURE_WINDOW_MS; past it the address gets 429. */
  @Transform(toInt) @IsInt() @Min(1) INGEST_AUTH_FAILURE_LIMIT = 20;
  @Transform(toInt) @IsInt() @Min(1000) @Max(3_600_000) INGEST_AUTH_FAILURE_WINDOW_MS = 60_000;
  /** Benchmark only: acknowledge without publishing. Refused in production. */
  @Transform(toBool) @IsBoolean() INGEST_PUBLISH_STUB = false;
  /** How long an idempotency key (or body requestId) is remembered, in MongoDB, for every replica. */
  @Transform(toInt) @IsInt() @Min(60) @Max(7 * 86_400) INGEST_IDEMPOTENCY_TTL_SECONDS = 86_400;
  /** How often expired claims are deleted (FerretDB has no TTL index; expiry itself is checked on read). */
  @Transform(toInt) @IsInt() @Min(10) @Max(86_400) INGEST_IDEMPOTENCY_PURGE_SECONDS = 3_600;
  @Transform(toInt) @IsInt() @Min(1) INGEST_RECENT_DECISIONS_MAX = 50_000;
  @Transform(toInt) @IsInt() @Min(1) INGEST_RECENT_DECISIONS_TTL_SECONDS = 3_600;
  /** Memory for decided events kept undecoded until a `GET` asks (~4 KB each); past it the audit store answers. */
  @Transform(toInt) @IsInt() @Min(1) INGEST_UNDECODED_DECISIONS_MIB = 64;
  /** Upper bound of `Prefer: wait=N`. */
  @Transform(toInt) @IsInt() @Min(0) @Max(10) INGEST_MAX_WAIT_SECONDS = 10;
  /** Audit service base URL for `GET /v1/access-requests/{id}` of requests this instance does not remember. */
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) AUDIT_URL?: string;
  /** Auditor token sent to the audit service as `Authorization: Bearer`. */
  @IsOptional() @IsString() AUDIT_TOKEN?: string;
  @Transform(toInt) @IsInt() @Min(100) @Max(30_000) AUDIT_TIMEOUT_MS = 2000;
}
