import type { ClaimRepository } from '../src/idempotency/idempotency-claim.repository';
import type { ClaimDoc, OutcomeDoc } from '../src/idempotency/idempotency-claim.schema';

/**
 * The claim repository's contract in memory, for unit specs: unique `_id`, first insert wins, deletes and
 * rebinds only of the named generation. `failNext` makes the next call fail like an unreachable database.
 */
export class InMemoryClaimRepository implements ClaimRepository {
  readonly claims = new Map<string, ClaimDoc>();
  readonly outcomes = new Map<string, OutcomeDoc>();
  failNext?: Error;
  calls = 0;

  private enter(): void {
    this.calls++;
    const err = this.failNext;
    this.failNext = undefined;
    if (err) throw err;
  }

  async insertClaims(docs: readonly ClaimDoc[]): Promise<boolean[]> {
    this.enter();
    return docs.map((d) => {
      if (this.claims.has(d._id)) return false;
      this.claims.set(d._id, { ...d });
      return true;
    });
  }

  async findClaim(id: string): Promise<ClaimDoc | null> {
    this.enter();
    const c = this.claims.get(id);
    return c ? { ...c } : null;
  }

  async hasOutcome(outcomeId: string): Promise<boolean> {
    this.enter();
    return this.outcomes.has(outcomeId);
  }

  async insertOutcomes(docs: readonly OutcomeDoc[]): Promise<void> {
    this.enter();
    for (const d of docs) if (!this.outcomes.has(d._id)) this.outcomes.set(d._id, { ...d });
  }

  async deleteClaim(id: string, createdAt: Date): Promise<void> {
    this.enter();
    if (this.claims.get(id)?.createdAt.getTime() === createdAt.getTime()) this.claims.delete(id);
  }

  async rebind(
    id: string,
    createdAt: Date,
    to: Pick<ClaimDoc, 'requestId' | 'eventId' | 'eventTime'>,
  ): Promise<void> {
    this.enter();
    const c = this.claims.get(id);
    if (c?.createdAt.getTime() === createdAt.getTime())
      this.claims.set(id, { ...c, requestId: to.requestId, eventId: to.eventId, eventTime: to.eventTime });
  }

  async purgeExpired(now: Date): Promise<number> {
    this.enter();
    let n = 0;
    for (const map of [this.claims, this.outcomes] as Map<string, { expiresAt: Date }>[])
      for (const [k, v] of map)
        if (v.expiresAt.getTime() <= now.getTime()) {
          map.delete(k);
          n++;
        }
    return n;
  }
}
