import { Injectable } from '@nestjs/common';
import {
  deriveEnvelope,
  type AccessDecidedV1,
  type AccessVerifiedV1,
  type DecisionSectionV1,
} from '@clearance/contracts';
import { policyUnavailableDecision, type CompiledPolicy } from '@clearance/policy';
import { registeredMetric } from '@clearance/platform';
import { Counter } from 'prom-client';
import { PolicyStore } from './policy/policy.store';

const decisions = registeredMetric(Counter, {
  name: 'clearance_decisions_total',
  help: 'Decisions by outcome, tier and deciding reason',
  labelNames: ['outcome', 'tier', 'reason'],
});

/** Decides one enriched request under the policy in force (and records the shadow policy's view). */
@Injectable()
export class Decider {
  constructor(private readonly store: PolicyStore) {}

  decide(event: AccessVerifiedV1, now: Date = new Date()): AccessDecidedV1 {
    // Read each slot once: a reload during this call cannot mix two versions into one decision.
    const policy: CompiledPolicy | undefined = this.store.active.current;
    const shadowPolicy = this.store.shadow?.current;
    const at = now.getTime();

    const decision: DecisionSectionV1 = policy
      ? policy.evaluate(event, { now: at })
      : policyUnavailableDecision(event, at, this.store.active.lastError);
    if (shadowPolicy) {
      const s = shadowPolicy.evaluate(event, { now: at });
      decision.shadow = {
        outcome: s.outcome,
        reasons: s.reasons,
        policy: s.policy,
        obligations: s.obligations,
        tier: s.tier,
        differs: s.outcome !== decision.outcome,
      };
    }
    decisions.inc({
      outcome: decision.outcome,
      tier: decision.tier ?? 'none',
      reason: decision.reasons[0]?.code ?? '',
    });
    return { ...event, ...deriveEnvelope(event, 'decision', 'decidedAt', now), decision };
  }
}
