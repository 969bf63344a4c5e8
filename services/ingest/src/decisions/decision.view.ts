import { DecisionSectionV1, describeValidationErrors, type AccessDecidedV1 } from '@clearance/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { DecisionViewDto } from '../access-requests/access-request.dto';

/** What ingest remembers of a decision: enough to answer the caller, not the whole enriched event. */
export interface DecisionRecord {
  requestId: string;
  client: string;
  decision: DecisionSectionV1;
}

/**
 * Picks the decision out of a consumed `access.decided.v1` value. Only the parts ingest serves are checked here;
 * the decision section is validated in full before it is shown to anyone (see `toDecisionView`).
 */
export function decisionRecordOf(value: unknown): DecisionRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as Partial<AccessDecidedV1>;
  const client = event.request?.client;
  if (typeof event.requestId !== 'string' || typeof client !== 'string') return undefined;
  if (typeof event.decision !== 'object' || event.decision === null) return undefined;
  return { requestId: event.requestId, client, decision: event.decision };
}

export type DecisionViewResult = { ok: true; view: DecisionViewDto } | { ok: false; problems: string[] };

/** The decision as the HTTP API shows it; a decision section that does not validate is never shown. */
export function toDecisionView(section: unknown): DecisionViewResult {
  if (typeof section !== 'object' || section === null)
    return { ok: false, problems: ['decision is not an object'] };
  const instance = plainToInstance(DecisionSectionV1, section);
  const errors = validateSync(instance, { validationError: { target: false } });
  if (errors.length > 0) return { ok: false, problems: describeValidationErrors(errors) };
  const d = section as DecisionSectionV1;
  return {
    ok: true,
    view: {
      outcome: d.outcome,
      reasons: d.reasons.map((r) => ({ code: r.code, message: r.message })),
      obligations: [...d.obligations],
      policy: { id: d.policy.id, version: d.policy.version, hash: d.policy.hash },
      ...(d.tier !== undefined ? { tier: d.tier } : {}),
      ttlSeconds: d.ttlSeconds,
      decidedAt: d.decidedAt,
      latency: { ...d.latency } as Record<string, number>,
    },
  };
}
