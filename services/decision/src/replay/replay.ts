import type { AccessDecidedV1, AccessVerifiedV1, Outcome, PolicyRefV1 } from '@clearance/contracts';
import type { CompiledPolicy, PolicyDecision } from '@clearance/policy';

/** One outcome change, by the candidate's deciding reason. */
export interface OutcomeTransition {
  from: Outcome;
  to: Outcome;
  count: number;
  /** By the deciding reason under the replayed policy. */
  byReason: Record<string, number>;
  /** By the deciding reason of the baseline. */
  byPreviousReason: Record<string, number>;
}

export interface ReplayExample {
  requestId: string;
  from: Outcome;
  to: Outcome;
  fromReason: string;
  toReason: string;
}

export interface ReplayReport {
  policy: PolicyRefV1;
  /** The baseline: another policy, or the decisions recorded in the events. */
  against: PolicyRefV1 | 'recorded';
  evaluated: number;
  /** Events with no baseline to compare with (a verified event replayed against recorded decisions). */
  withoutBaseline: number;
  outcomes: Record<Outcome, number>;
  changed: number;
  /** Same outcome, different deciding reason. */
  reasonChanged: number;
  transitions: OutcomeTransition[];
  examples: ReplayExample[];
}

const MAX_EXAMPLES = 20;

function decisionTime(event: AccessVerifiedV1 | AccessDecidedV1): number {
  const decided = 'decision' in event ? (event.timestamps.decidedAt ?? event.decision.decidedAt) : undefined;
  const t = Date.parse(decided ?? event.timestamps?.verifiedAt ?? event.time);
  return Number.isNaN(t) ? Date.now() : t;
}

/**
 * Evaluates a policy over recorded events and counts how outcomes would change against a baseline policy or,
 * without one, against the decisions the events recorded. Each event is evaluated at its original decision
 * time, so evidence age and approval expiry read as they did then.
 */
export class Replayer {
  private readonly outcomes: Record<Outcome, number> = { allow: 0, deny: 0, challenge: 0 };
  private readonly transitions = new Map<string, OutcomeTransition>();
  private readonly examples: ReplayExample[] = [];
  private evaluated = 0;
  private withoutBaseline = 0;
  private changed = 0;
  private reasonChanged = 0;

  constructor(
    private readonly policy: CompiledPolicy,
    private readonly against?: CompiledPolicy,
  ) {}

  add(event: AccessVerifiedV1 | AccessDecidedV1): void {
    const now = decisionTime(event);
    const next = this.policy.evaluate(event, { now });
    this.evaluated++;
    this.outcomes[next.outcome]++;
    const base: Pick<PolicyDecision, 'outcome' | 'reasons'> | undefined = this.against
      ? this.against.evaluate(event, { now })
      : 'decision' in event
        ? event.decision
        : undefined;
    if (!base) {
      this.withoutBaseline++;
      return;
    }
    const fromReason = base.reasons[0]?.code ?? '';
    const toReason = next.reasons[0]?.code ?? '';
    if (base.outcome === next.outcome) {
      if (fromReason !== toReason) this.reasonChanged++;
      return;
    }
    this.changed++;
    const key = `${base.outcome}>${next.outcome}`;
    let t = this.transitions.get(key);
    if (!t)
      this.transitions.set(
        key,
        (t = { from: base.outcome, to: next.outcome, count: 0, byReason: {}, byPreviousReason: {} }),
      );
    t.count++;
    t.byReason[toReason] = (t.byReason[toReason] ?? 0) + 1;
    t.byPreviousReason[fromReason] = (t.byPreviousReason[fromReason] ?? 0) + 1;
    if (this.examples.length < MAX_EXAMPLES) {
      this.examples.push({
        requestId: event.requestId,
        from: base.outcome,
        to: next.outcome,
        fromReason,
        toReason,
      });
    }
  }

  report(): ReplayReport {
    return {
      policy: this.policy.ref,
      against: this.against?.ref ?? 'recorded',
      evaluated: this.evaluated,
      withoutBaseline: this.withoutBaseline,
      outcomes: { ...this.outcomes },
      changed: this.changed,
      reasonChanged: this.reasonChanged,
      transitions: [...this.transitions.values()].sort((a, b) => b.count - a.count),
      examples: [...this.examples],
    };
  }
}

function ref(p: PolicyRefV1): string {
  return `${p.id}@${p.version} (sha256 ${p.hash.slice(0, 12)})`;
}

/** The report as a person reads it. */
export function formatReport(r: ReplayReport): string {
  const lines = [
    `policy:   ${ref(r.policy)}`,
    `against:  ${r.against === 'recorded' ? 'the recorded decisions' : ref(r.against)}`,
    `events:   ${r.evaluated} evaluated` +
      (r.withoutBaseline ? `, ${r.withoutBaseline} without a recorded decision` : ''),
    `outcomes: allow ${r.outcomes.allow}, deny ${r.outcomes.deny}, challenge ${r.outcomes.challenge}`,
    `changed:  ${r.changed} outcome(s) would change` +
      (r.reasonChanged ? `; ${r.reasonChanged} keep the outcome with another deciding reason` : ''),
  ];
  for (const t of r.transitions) {
    lines.push(`  ${t.from} -> ${t.to}: ${t.count}`);
    const by = (counts: Record<string, number>): string =>
      Object.entries(counts)
        .sort((a, b) => b[1] - a[1])
        .map(([reason, n]) => `${reason} ${n}`)
        .join(', ');
    lines.push(`      now decided by: ${by(t.byReason)}`);
    lines.push(`      was decided by: ${by(t.byPreviousReason)}`);
  }
  if (r.examples.length > 0) {
    lines.push('examples:');
    for (const e of r.examples)
      lines.push(`  ${e.requestId}: ${e.from} (${e.fromReason}) -> ${e.to} (${e.toReason})`);
  }
  return lines.join('\n');
}
