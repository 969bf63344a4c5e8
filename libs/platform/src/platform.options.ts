import type { Type } from '@nestjs/common';
import type { StageName, TopicName } from '@clearance/contracts';
import type { BaseEnv } from './base.env';
import type { ReadinessCheck } from './readiness';

export interface PlatformOptions {
  service: StageName;
  /** The service's environment class (extends BaseEnv, or MongoEnv with `mongo: true`). */
  env: Type<BaseEnv>;
  /** Connect to MongoDB (MONGODB_URI) and check it for readiness. */
  mongo?: boolean;
  /** Topics this service publishes to; created at start when missing. */
  produces?: TopicName[];
  /** Extra readiness checks (classes also listed in the service module's providers). */
  readiness?: Type<ReadinessCheck>[];
}

export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');

/** The validated environment instance: `@Inject(ENV) env: MyServiceEnv`. */
export const ENV = Symbol('ENV');

export const DEFAULT_PORTS: Record<StageName, number> = {
  ingest: 3000,
  geolocation: 3001,
  verification: 3002,
  decision: 3003,
  audit: 3004,
};
