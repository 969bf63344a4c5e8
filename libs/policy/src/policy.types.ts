import type { AccessVerifiedV1, DecisionSectionV1, Outcome, PolicyRefV1 } from '@clearance/contracts';
import { DataFileError } from './data-file.error';

/** What a policy reads: an enriched request (`access.verified.v1`, or a recorded `access.decided.v1`). */
export type PolicyInput = AccessVerifiedV1;

/** The section a policy evaluation produces; `decision` of `access.decided.v1` without the shadow. */
export type PolicyDecision = Omit<DecisionSectionV1, 'shadow'>;

export interface EvaluateOptions {
  /** Decision time in epoch milliseconds (evidence age and approval expiry are measured against it). */
  now?: number;
}

/** A loaded, validated and compiled policy: evaluate it as often as you like, it never changes. */
export interface CompiledPolicy {
  readonly ref: PolicyRefV1;
  readonly tiers: readonly string[];
  /** The tier a model id maps to, or undefined for an unknown model. */
  tierOf(model: string): string | undefined;
  /** Never throws: an error inside evaluation yields a deny with `EVALUATION_ERROR`. */
  evaluate(event: PolicyInput, options?: EvaluateOptions): PolicyDecision;
}

export type { Outcome };

/** One problem found in a policy document, located in its source. */
export interface PolicyIssue {
  file: string;
  /** 1-based; 0 when the problem has no position (e.g. the file cannot be read). */
  line: number;
  column: number;
  /** Where in the document, as a JSON pointer (`/tiers/frontier/rules/3/when`). */
  path: string;
  message: string;
}

/** Raised when a policy cannot be read, parsed, validated or compiled. */
export class PolicyLoadError extends DataFileError {
  constructor(issues: PolicyIssue[]) {
    super(issues);
    this.name = PolicyLoadError.name;
  }
}

/** `YamlSource.read`'s refusal for policy files. */
export const refusePolicy = (issues: PolicyIssue[]): PolicyLoadError => new PolicyLoadError(issues);

// ---- the document, as the schema admits it ----

export type Scalar = string | number | boolean;

export type ConditionDoc =
  { all: ConditionDoc[] } | { any: ConditionDoc[] } | { not: ConditionDoc } | FactConditionDoc;

export interface FactConditionDoc {
  fact: string;
  equals?: Scalar;
  notEquals?: Scalar;
  in?: string | string[];
  notIn?: string | string[];
  anyIn?: string | string[];
  anyNotIn?: string | string[];
  exists?: boolean;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  equalsFact?: string;
  notEqualsFact?: string;
}

export interface RuleDoc {
  id: string;
  description?: string;
  when?: ConditionDoc;
  outcome: Outcome;
  reason: string;
  message: string;
  obligations?: string[];
  ttlSeconds?: number;
}

export interface PolicyDoc {
  apiVersion: 'clearance.policy/v1';
  id: string;
  version: string;
  description?: string;
  imports?: { countryGroups?: string };
  groups?: Record<string, string[]>;
  settings?: { decisionTtlSeconds?: number };
  models: { match: string; tier: string }[];
  rules?: RuleDoc[];
  tiers: Record<string, { description?: string; rules: RuleDoc[] }>;
  default: { reason: string; message: string; ttlSeconds?: number };
}
