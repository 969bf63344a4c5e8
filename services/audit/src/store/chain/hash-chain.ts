import { createHash, createHmac } from 'node:crypto';

/** `prevHash` of the first record of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * What a link's hash covers: everything about a stored event that comes from Kafka, nothing the writer
 * chooses (no `storedAt`), so any writer that (re)processes the same messages computes the same hashes.
 */
export interface LinkMaterial {
  eventId: string;
  topic: string;
  partition: number;
  seq: number;
  requestId?: string | undefined;
  eventType: string;
  producer: string;
  time: string;
  raw: string;
}

export interface Link {
  prevHash: string;
  hash: string;
}

export type BreakKind = 'record-changed' | 'link-broken' | 'head-mismatch';

/** The first place where the stored chain stops proving itself. */
export interface ChainBreak {
  kind: BreakKind;
  chain: string;
  seq: number;
  eventId?: string;
  detail: string;
}

export interface StoredLink extends LinkMaterial {
  chain: string;
  prevHash: string;
  hash: string;
}

/** One chain per topic partition: a partition has one consumer at a time and a fixed message order. */
export function chainId(topic: string, partition: number): string {
  return `${topic}#${partition}`;
}

/** Unambiguous serialisation: a JSON array of fixed positions, so no field can bleed into another. */
export function canonicalLink(m: LinkMaterial): string {
  return JSON.stringify([
    m.eventId,
    m.topic,
    m.partition,
    m.seq,
    m.requestId ?? null,
    m.eventType,
    m.producer,
    m.time,
    m.raw,
  ]);
}

/**
 * SHA-256 hash chain over stored events; with a key it is an HMAC chain, which someone with write access to
 * the database but without the key cannot recompute after changing a record.
 */
export class HashChain {
  constructor(private readonly key?: string) {}

  hash(prevHash: string, material: LinkMaterial): string {
    const h = this.key ? createHmac('sha256', this.key) : createHash('sha256');
    return h.update(prevHash).update('\n').update(canonicalLink(material)).digest('hex');
  }

  /** Links `materials` (in seq order) after `prevHash`. */
  link(prevHash: string, materials: readonly LinkMaterial[]): Link[] {
    const out: Link[] = [];
    let prev = prevHash;
    for (const m of materials) {
      const hash = this.hash(prev, m);
      out.push({ prevHash: prev, hash });
      prev = hash;
    }
    return out;
  }

  /**
   * Checks one record against the record stored before it in the same chain (`previousHash` undefined: it is
   * the first one). Returns the break, or undefined when this link holds.
   */
  verify(record: StoredLink, previousHash: string | undefined): ChainBreak | undefined {
    const at = { chain: record.chain, seq: record.seq, eventId: record.eventId };
    if (this.hash(record.prevHash, record) !== record.hash) {
      return {
        kind: 'record-changed',
        ...at,
        detail: 'the stored record does not hash to its stored hash: changed',
      };
    }
    const expected = previousHash ?? GENESIS_HASH;
    if (record.prevHash !== expected) {
      return {
        kind: 'link-broken',
        ...at,
        detail:
          previousHash === undefined
            ? 'the first stored record of the chain does not start from genesis: records before it were deleted'
            : 'prevHash differs from the hash of the record stored before it: a record was deleted, inserted or replaced here',
      };
    }
    return undefined;
  }
}
