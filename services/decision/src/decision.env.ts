import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { BaseEnv } from '@clearance/platform';

export class DecisionEnv extends BaseEnv {
  /** The enforced policy file (default: the bundled libs/policy/policies/default.yaml). Reloaded on change. */
  @IsOptional() @IsString() POLICY_PATH?: string;
  /** An optional second policy evaluated on every request and recorded in `decision.shadow`, never enforced. */
  @IsOptional() @IsString() SHADOW_POLICY_PATH?: string;
  /** How often the policy files are checked for changes. */
  @Transform(({ value }) => Number(value)) @IsInt() @Min(50) @Max(60_000) POLICY_WATCH_INTERVAL_MS = 1000;
}
