import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { MongoEnv } from '@clearance/platform';

/** Export-control records are kept at least five years (15 CFR 762.6): a shorter period does not boot. */
export const MIN_RETENTION_YEARS = 5;

export class AuditEnv extends MongoEnv {
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(MIN_RETENTION_YEARS, {
    message: `AUDIT_RETENTION_YEARS must be at least ${MIN_RETENTION_YEARS} (15 CFR 762.6)`,
  })
  @Max(100)
  AUDIT_RETENTION_YEARS = MIN_RETENTION_YEARS;

  /**
   * The store writes best in large batches, and an audit record may be a moment behind its decision: a fetch
   * waits at the broker up to 100 ms for 64 KiB (the stages answer at once: 1 byte, 200 ms). Only the defaults
   * differ: the base class's validation and conversion apply.
   */
  override KAFKA_FETCH_MIN_BYTES = 65536;
  override KAFKA_FETCH_MAX_WAIT_MS = 100;
  /**
   * Every partition batch of a fetch at once (5 topics × the default 3 partitions), not 3 at a time: the store joins
   * the writes of the batches in flight together into one command of each kind (write.coalescer.ts), so all of a
   * fetch share one events insert, one records insert and the head updates.
   */
  override KAFKA_PARTITIONS_CONCURRENTLY = 15;

  /** Auditor credentials, `name:sha256hex` pairs separated by commas (the SHA-256 of each bearer token). */
  @IsOptional() @IsString() AUDITOR_TOKENS?: string;

  /** A file of `name:sha256hex` lines, read at start (alternative to AUDITOR_TOKENS; both may be given). */
  @IsOptional() @IsString() AUDITOR_TOKENS_FILE?: string;

  /** Key of the HMAC chain; without it the chain is plain SHA-256 (tamper-evident, not tamper-proof). */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'AUDIT_CHAIN_KEY must be at least 32 characters' })
  AUDIT_CHAIN_KEY?: string;
}
