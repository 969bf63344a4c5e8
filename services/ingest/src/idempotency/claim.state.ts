import type { ClaimDoc } from './idempotency-claim.schema';

/**
 * What a stored claim says to a request that found it (first writer wins, so every later request with the key
 * reads the first one's claim):
 *
 * - `absent`: nobody holds the key; claim it.
 * - `expired`: past `expiresAt`; delete it, then claim the key anew (a new request).
 * - `conflict`: another body holds the key: 409.
 * - `accepted`: the broker acknowledged the first request's event: answer its requestId.
 * - `in-flight`: claimed less than `pendingWindowMs` ago and not acknowledged yet: its owner is still publishing
 *   (it answers within KAFKA_PUBLISH_TIMEOUT_MS); wait, then read again.
 * - `unknown`: claimed longer ago and never acknowledged: the owner's publish timed out after it was sent, failed,
 *   or the owner died. The event may or may not be on the topic, so the claim stays: a retry sends the very same
 *   event again (same ids, same time), which downstream takes for one (it dedupes by `ce_id`).
 *
 * A publish that never left its process (withdrawn, or no broker connection) deletes its claim: `absent` again.
 */
export type ClaimState =
  | { kind: 'absent' }
  | { kind: 'expired'; claim: ClaimDoc }
  | { kind: 'conflict'; claim: ClaimDoc }
  | { kind: 'accepted'; claim: ClaimDoc }
  | { kind: 'in-flight'; claim: ClaimDoc; untilMs: number }
  | { kind: 'unknown'; claim: ClaimDoc };

export function claimState(
  claim: ClaimDoc | null,
  acknowledged: boolean,
  fingerprint: string,
  nowMs: number,
  pendingWindowMs: number,
): ClaimState {
  if (claim === null) return { kind: 'absent' };
  if (claim.expiresAt.getTime() <= nowMs) return { kind: 'expired', claim };
  if (claim.fingerprint !== fingerprint) return { kind: 'conflict', claim };
  if (acknowledged) return { kind: 'accepted', claim };
  const untilMs = claim.createdAt.getTime() + pendingWindowMs;
  return nowMs < untilMs ? { kind: 'in-flight', claim, untilMs } : { kind: 'unknown', claim };
}

/** The id of a claim generation's outcome document. */
export function outcomeId(claim: Pick<ClaimDoc, '_id' | 'createdAt'>): string {
  return `${claim._id}:${claim.createdAt.getTime()}`;
}
