import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

/** Environment every service reads (docs/operations.md lists each variable). */
export class BaseEnv {
  @IsIn(['development', 'test', 'production']) NODE_ENV: 'development' | 'test' | 'production' =
    'development';
  /** HTTP port; each service has its own default (ingest 3000 … audit 3004). */
  @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsString() HOST = '0.0.0.0';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  /**
   * Proxies whose `X-Forwarded-For` is believed: comma-separated addresses or CIDR ranges. Unset: none, the
   * client address is the socket peer and X-Forwarded-For is ignored (any caller could forge it).
   */
  @IsOptional()
  @Matches(/^[0-9A-Fa-f:.]+(\/\d{1,3})?(\s*,\s*[0-9A-Fa-f:.]+(\/\d{1,3})?)*$/, {
    message: 'HTTP_TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges',
  })
  HTTP_TRUSTED_PROXIES?: string;
  /** Comma-separated `host:port` list. */
  @IsString()
  @IsNotEmpty()
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port...]' })
  KAFKA_BROKERS!: string;
  @IsOptional() @IsString() KAFKA_CLIENT_ID?: string;
  /** Consumer group of this stage; defaults to `<KAFKA_TOPIC_PREFIX>clearance-<service>`. */
  @IsOptional() @IsString() KAFKA_GROUP_ID?: string;
  @IsString() @Matches(/^[a-zA-Z0-9._-]*$/) KAFKA_TOPIC_PREFIX = '';
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(1000) KAFKA_TOPIC_PARTITIONS = 3;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(10) KAFKA_REPLICATION_FACTOR = 1;
  @Transform(toBool) @IsBoolean() KAFKA_EXACTLY_ONCE = false;
  /**
   * Transactional id of this instance (exactly-once only). Stable across restarts (e.g. a StatefulSet pod name),
   * a restarted instance aborts its predecessor's open transaction at once; unset, a random one per process,
   * and read_committed readers wait up to KAFKA_TRANSACTION_TIMEOUT_MS after a crash.
   */
  @IsOptional() @IsString() @Matches(/^[a-zA-Z0-9._-]+$/) KAFKA_TRANSACTIONAL_ID?: string;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1000) @Max(900000) KAFKA_TRANSACTION_TIMEOUT_MS =
    60000;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(1024) KAFKA_HANDLER_CONCURRENCY = 32;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(64) KAFKA_PARTITIONS_CONCURRENTLY = 3;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(100000) KAFKA_CHUNK_SIZE = 1000;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(0) @Max(1000) KAFKA_LINGER_MS = 0;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(100000) KAFKA_MAX_BATCH_MESSAGES = 1000;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(100) @Max(120000) KAFKA_PUBLISH_TIMEOUT_MS = 5000;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1024) KAFKA_MAX_MESSAGE_BYTES = 262144;
  /** A fetch waits at the broker for this many bytes or KAFKA_FETCH_MAX_WAIT_MS, whichever comes first. */
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(16777216) KAFKA_FETCH_MIN_BYTES = 1;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(10000) KAFKA_FETCH_MAX_WAIT_MS = 200;
  /** At-least-once: background offset commits at most this often (0: an awaited commit per chunk). */
  @Transform(({ value }) => Number(value)) @IsInt() @Min(0) @Max(10000) KAFKA_COMMIT_INTERVAL_MS = 100;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(6000) @Max(300000) KAFKA_SESSION_TIMEOUT_MS = 8000;
  // --- TLS and SASL towards the brokers (kafka-security.env.ts checks how they combine) ---
  /** TLS to the brokers (listeners SSL or SASL_SSL). */
  @Transform(toBool) @IsBoolean() KAFKA_SSL = false;
  /** PEM file of the CA that signed the brokers' certificates; unset, the system's roots. */
  @IsOptional() @IsString() KAFKA_SSL_CA_FILE?: string;
  /** PEM client certificate and key, for brokers that require mutual TLS. */
  @IsOptional() @IsString() KAFKA_SSL_CERT_FILE?: string;
  @IsOptional() @IsString() KAFKA_SSL_KEY_FILE?: string;
  /** Verify the brokers' certificates and host names; false is refused in production. */
  @Transform(toBool) @IsBoolean() KAFKA_SSL_REJECT_UNAUTHORIZED = true;
  @IsOptional() @IsIn(['plain', 'scram-sha-256', 'scram-sha-512']) KAFKA_SASL_MECHANISM?:
    'plain' | 'scram-sha-256' | 'scram-sha-512';
  @IsOptional() @IsString() KAFKA_SASL_USERNAME?: string;
  @IsOptional() @IsString() KAFKA_SASL_PASSWORD?: string;
  /** A file holding the SASL password (a mounted Secret), instead of KAFKA_SASL_PASSWORD. */
  @IsOptional() @IsString() KAFKA_SASL_PASSWORD_FILE?: string;
}

/** Environment of the services that use MongoDB. */
export class MongoEnv extends BaseEnv {
  @IsString()
  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI!: string;
  /** Connections per process; small on purpose: FerretDB's SQLite backend has one writer. */
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(500) MONGODB_MAX_POOL_SIZE = 10;
}

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment variables: ${problems.join('; ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/** Validates `process.env`-like input against an env class; throws naming every bad or missing variable. */
export function validateEnv<T extends BaseEnv>(cls: new () => T, raw: Record<string, unknown>): T {
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(cls, cleaned, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    throw new InvalidEnvironmentError(
      errors.map((e) => {
        const msgs = Object.values(e.constraints ?? {});
        return raw[e.property] === undefined || raw[e.property] === ''
          ? `${e.property} is missing (${msgs[0] ?? 'required'})`
          : `${e.property}: ${msgs.join(', ')}`;
      }),
    );
  }
  return env;
}
