import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Min,
  ValidateNested,
  IsDefined,
} from 'class-validator';
import { DatasetVersionV1 } from './geo';

export const OUTCOMES = ['allow', 'deny', 'challenge'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export class ReasonV1 {
  /** A stable code from the documented list (docs/policy.md), e.g. `GEO_EMBARGOED_COUNTRY`. */
  @IsString() code!: string;
  @IsString() message!: string;
}

export class PolicyRefV1 {
  @IsString() id!: string;
  @IsString() version!: string;
  /** SHA-256 of the policy document's bytes. */
  @IsString() hash!: string;
  /** Data files the policy imported (e.g. the country groups), each with its date and SHA-256. */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DatasetVersionV1)
  datasets?: DatasetVersionV1[];
}

export class TraceEntryV1 {
  @IsString() rule!: string;
  @IsBoolean() matched!: boolean;
  @IsOptional() @IsIn(OUTCOMES) outcome?: Outcome;
  /** The rule's reason code, on matched rules. */
  @IsOptional() @IsString() reason?: string;
}

/** Milliseconds each stage took, from the event timestamps. */
export class StageLatencyV1 {
  @IsOptional() @IsNumber() geolocationMs?: number;
  @IsOptional() @IsNumber() verificationMs?: number;
  @IsOptional() @IsNumber() decisionMs?: number;
  @IsOptional() @IsNumber() totalMs?: number;
}

export class ShadowDecisionV1 {
  @IsIn(OUTCOMES) outcome!: Outcome;
  @IsArray() @ValidateNested({ each: true }) @Type(() => ReasonV1) reasons!: ReasonV1[];
  @IsDefined() @ValidateNested() @Type(() => PolicyRefV1) policy!: PolicyRefV1;
  @IsOptional() @IsArray() @IsString({ each: true }) obligations?: string[];
  @IsOptional() @IsString() tier?: string;
  /** True when the shadow outcome differs from the enforced one. */
  @IsOptional() @IsBoolean() differs?: boolean;
}

export class DecisionSectionV1 {
  @IsIn(OUTCOMES) outcome!: Outcome;
  /** Every reason that applied, the deciding one first. */
  @IsArray() @ValidateNested({ each: true }) @Type(() => ReasonV1) reasons!: ReasonV1[];
  /** What the caller must do before an allow, e.g. `step-up:identity`. */
  @IsArray() @IsString({ each: true }) obligations!: string[];
  @IsDefined() @ValidateNested() @Type(() => PolicyRefV1) policy!: PolicyRefV1;
  /** Model tier from the policy, or absent for an unknown model. */
  @IsOptional() @IsString() tier?: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => TraceEntryV1) trace!: TraceEntryV1[];
  /** How long the decision may be cached by the caller. */
  @IsInt() @Min(0) ttlSeconds!: number;
  @IsDefined() @ValidateNested() @Type(() => StageLatencyV1) latency!: StageLatencyV1;
  /** The shadow policy's outcome, recorded for impact analysis and never enforced. */
  @IsOptional() @ValidateNested() @Type(() => ShadowDecisionV1) shadow?: ShadowDecisionV1;
  @IsISO8601() decidedAt!: string;
}
