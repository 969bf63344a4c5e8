import { parseEvent, Topics, type DecisionSectionV1 } from '@clearance/contracts';
import type { DecisionViewDto } from '../access-requests/access-request.dto';

/** What ingest remembers of a decision: enough to answer the caller, not the whole enriched event. */
export interface DecisionRecord {
  requestId: string;
  client: string;
  decision: DecisionSectionV1;
}

/**
 * Parses a consumed `access.decided.v1` value with the contracts' parser: a decided event that does not validate
 * is no decision (undefined), so nothing unchecked is ever shown.
 */
export function decisionRecordOf(value: Buffer | null): DecisionRecord | undefined {
  const parsed = parseEvent(Topics.AccessDecided, value);
  if (!parsed.ok) return undefined;
  const event = parsed.event;
  return { requestId: event.requestId, client: event.request.client, decision: event.decision };
}

/** The decision as the HTTP API shows it (a section already validated with its event, see `decisionRecordOf`). */
export function toDecisionView(d: DecisionSectionV1): DecisionViewDto {
  return {
    outcome: d.outcome,
    reasons: d.reasons.map((r) => ({ code: r.code, message: r.message })),
    obligations: [...d.obligations],
    policy: { id: d.policy.id, version: d.policy.version, hash: d.policy.hash },
    ...(d.tier !== undefined ? { tier: d.tier } : {}),
    ttlSeconds: d.ttlSeconds,
    decidedAt: d.decidedAt,
    latency: { ...d.latency } as Record<string, number>,
  };
}
