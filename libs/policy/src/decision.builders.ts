import { ReasonCodes, type PolicyRefV1, type StageLatencyV1 } from '@clearance/contracts';
import { epochMs as ms } from './iso-time';
import type { PolicyDecision, PolicyInput } from './policy.types';

/** Milliseconds each stage took, from the event's stage timestamps; the decision stage ends at `now`. */
export function stageLatency(event: PolicyInput, now: number): StageLatencyV1 {
  const ts = event.timestamps;
  const requested = ms(ts?.requestedAt);
  const geolocated = ms(ts?.geolocatedAt);
  const verified = ms(ts?.verifiedAt);
  const out: StageLatencyV1 = {};
  if (requested !== undefined && geolocated !== undefined) out.geolocationMs = geolocated - requested;
  if (geolocated !== undefined && verified !== undefined) out.verificationMs = verified - geolocated;
  if (verified !== undefined) out.decisionMs = now - verified;
  if (requested !== undefined) out.totalMs = now - requested;
  return out;
}

/** The policy reference used when no policy could be loaded at all. */
export const NO_POLICY: PolicyRefV1 = Object.freeze({ id: 'none', version: 'none', hash: 'none' });

function failClosed(
  event: PolicyInput,
  now: number,
  policy: PolicyRefV1,
  code: string,
  message: string,
): PolicyDecision {
  return {
    outcome: 'deny',
    reasons: [{ code, message }],
    obligations: [],
    policy,
    trace: [],
    // A failure of ours is not the subject's: callers must not cache it.
    ttlSeconds: 0,
    latency: stageLatency(event, now),
    decidedAt: new Date(now).toISOString(),
  };
}

/** Deny because no valid policy was ever loaded (fail closed). */
export function policyUnavailableDecision(event: PolicyInput, now: number, detail?: string): PolicyDecision {
  const message = `no valid policy is loaded${detail ? `: ${detail}` : ''}`;
  return failClosed(event, now, NO_POLICY, ReasonCodes.POLICY_UNAVAILABLE, message);
}

/** Deny because evaluating the policy threw (fail closed). */
export function evaluationErrorDecision(
  event: PolicyInput,
  now: number,
  policy: PolicyRefV1,
  err: unknown,
): PolicyDecision {
  const detail = err instanceof Error ? err.message : String(err);
  return failClosed(event, now, policy, ReasonCodes.EVALUATION_ERROR, `policy evaluation failed: ${detail}`);
}
