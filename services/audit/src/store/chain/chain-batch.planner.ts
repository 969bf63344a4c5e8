import { HashChain, type Link, type LinkMaterial } from './hash-chain';

/** Where an event id of the batch is already stored, and how it was linked. */
export interface ExistingLink {
  chain: string;
  seq: number;
  prevHash: string;
  hash: string;
}

export interface ChainBatchPlan {
  /** New records, linked. */
  inserts: { material: LinkMaterial; link: Link }[];
  /** Records this chain stored at this seq before a crash, whose link must be rewritten to the recomputed one. */
  repairs: { eventId: string; link: Link }[];
  /** Already stored elsewhere (redelivered under another offset) or twice in the batch: not part of this chain. */
  duplicates: string[];
  /** Records this batch inserted, when they were inserted before the plan was made (set by the store). */
  stored?: number;
  /** Last linked record of the batch (new or already stored), to advance the chain head. */
  head?: { seq: number; hash: string };
}

/**
 * Decides how a batch of one partition joins its chain. Deterministic in the Kafka log: the same messages after
 * the same stored predecessor always give the same links, so a redelivered or partially written batch (no
 * transactions) converges on the same chain instead of forking it.
 */
export function planChainBatch(
  hashChain: HashChain,
  chain: string,
  predecessorHash: string,
  candidates: readonly LinkMaterial[],
  existing: ReadonlyMap<string, ExistingLink>,
): ChainBatchPlan {
  const plan: ChainBatchPlan = { inserts: [], repairs: [], duplicates: [] };
  const seen = new Set<string>();
  let prev = predecessorHash;
  for (const material of candidates) {
    if (seen.has(material.eventId)) {
      plan.duplicates.push(material.eventId);
      continue;
    }
    seen.add(material.eventId);
    const stored = existing.get(material.eventId);
    if (stored && (stored.chain !== chain || stored.seq !== material.seq)) {
      plan.duplicates.push(material.eventId);
      continue;
    }
    const hash = hashChain.hash(prev, material);
    const link = { prevHash: prev, hash };
    if (!stored) plan.inserts.push({ material, link });
    else if (stored.hash !== hash || stored.prevHash !== prev)
      plan.repairs.push({ eventId: material.eventId, link });
    plan.head = { seq: material.seq, hash };
    prev = hash;
  }
  return plan;
}
