import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  CloudEventHeaders,
  EventTypes,
  Topics,
  type AccessDecidedV1,
  type TopicName,
} from '@clearance/contracts';
import type { ConsumedMessage } from '@clearance/kafka';
import { AuditEventRepository, StoreWriteError, type HeadMove } from './events/audit-event.repository';
import type { AuditEventRecord } from './events/audit-event.schema';
import { planChainBatch, type ChainBatchPlan } from './chain/chain-batch.planner';
import { GENESIS_HASH, HashChain, chainId, type Link, type LinkMaterial } from './chain/hash-chain';
import { QuarantineRepository } from './events/quarantine.repository';
import type { QuarantineRecord } from './events/quarantine.schema';
import { RequestRecordRepository } from './projection/request-record.repository';
import type { RequestRecord } from './projection/request-record.schema';
import { recordOfDecision } from './projection/request.projection';
import { WriteCoalescer } from './write.coalescer';

/** What the store reads of a consumed message: `event` when the transport parsed it already, else `raw`. */
type Consumed = Pick<ConsumedMessage<unknown>, 'raw' | 'offset' | 'headers'> &
  Partial<Pick<ConsumedMessage<unknown>, 'event'>>;

export interface StoreResult {
  stored: number;
  /** Events of the batch that were stored already (or twice in it): counted, never an error. */
  duplicates: number;
  quarantined: number;
}

/** Kafka's default max message size: a larger value is not a message this pipeline produced. */
export const MAX_RAW_BYTES = 1_048_576;
export const HASH_CHAIN = Symbol('HASH_CHAIN');

interface Prepared {
  material: LinkMaterial;
  event: Record<string, unknown>;
}

/**
 * The store path of the consumer, insert-only: one topic partition's batch in, every event inserted once and
 * linked into the partition's hash chain, a decided batch's request records inserted once, the chain head moved
 * once. Nothing is updated per event. Resolves only when all of it is written; a throw means "retry the batch" and
 * nothing may be committed.
 */
@Injectable()
export class AuditStore {
  private readonly logger = new Logger(AuditStore.name);
  /**
   * Per chain, the head this process wrote last and the offset after the batch that moved it. A batch that starts
   * exactly there is this writer's own continuation (nothing can be stored between), so its predecessor is that
   * head without a read; the head then moves only from that very head (compare-and-set), else the batch is refused
   * and retried from the stored chain. One entry per topic partition this process has stored.
   */
  private readonly written = new Map<string, WrittenHead>();
  /**
   * The writes of the partition batches in flight at the same moment, each kind joined into one command (one events
   * insert, one records insert, one update of the head compare-and-sets): kafkajs hands over the batches of a fetch
   * together, and on FerretDB a command costs about as much as the few documents of a low-rate batch.
   */
  private readonly eventWrites = new WriteCoalescer<readonly AuditEventRecord[], string[]>((groups) =>
    this.events.insertGroups(groups),
  );
  private readonly recordWrites = new WriteCoalescer<readonly RequestRecord[], number>((groups) =>
    this.requests.insertGroups(groups),
  );
  private readonly headMoves = new WriteCoalescer<HeadMove, boolean>(async (moves) =>
    (await this.events.advanceHeadsFrom(moves, new Date())).map((ok) => ({ ok })),
  );

  constructor(
    private readonly events: AuditEventRepository,
    private readonly requests: RequestRecordRepository,
    private readonly quarantine: QuarantineRepository,
    @Optional() @Inject(HASH_CHAIN) private readonly hashChain: HashChain = new HashChain(),
  ) {}

  async storeBatch(topic: TopicName, partition: number, messages: readonly Consumed[]): Promise<StoreResult> {
    const now = new Date();
    const chain = chainId(topic, partition);
    const prepared: Prepared[] = [];
    const quarantined: QuarantineRecord[] = [];
    for (const m of messages) {
      const p = prepare(topic, partition, m);
      if ('reason' in p) quarantined.push(quarantineRecord(topic, partition, m, p.reason, now));
      else prepared.push(p);
    }
    prepared.sort((a, b) => a.material.seq - b.material.seq);
    const offsets = messages.map((m) => Number(m.offset)).filter((o) => Number.isSafeInteger(o));
    const last = written(this.written.get(chain), offsets);
    // taken out now: put back only once this batch's head is known to be the stored one
    this.written.delete(chain);

    // the request records (decided topic only) do not depend on the chain: written beside the events
    const records =
      topic === Topics.AccessDecided ? this.decisionRecords(topic, partition, prepared, now) : [];
    const plan = await this.storeEvents(chain, prepared, now, last?.hash);
    const built = records.flatMap((r) => ('record' in r ? [r.record] : []));
    if (built.length > 0) await this.recordWrites.submit(built);
    for (const r of records) if ('quarantine' in r) quarantined.push(r.quarantine);
    if (quarantined.length > 0) {
      this.logger.warn(
        { chain, quarantined: quarantined.length, reason: quarantined[0]!.reason },
        'messages quarantined',
      );
      await this.quarantine.add(quarantined);
    }
    if (plan.head) {
      if (last) {
        // another writer moved the head since (a rebalance, a replica), or it is gone: the links just written may be
        // wrong; refusing the batch makes its retry read the stored chain and relink (the crash-recovery path)
        if (!(await this.headMoves.submit({ chain, from: last, to: plan.head })))
          throw new StoreWriteError(
            `${chain}: the chain head moved under this writer; relinking from the store`,
          );
        this.written.set(chain, { ...plan.head, next: after(offsets) });
      } else if (await this.events.advanceHead(chain, plan.head, now))
        this.written.set(chain, { ...plan.head, next: after(offsets) });
    }
    const stored = plan.stored ?? plan.inserts.length;
    // every delivered event that was not new: redelivered at its own offset, under another one, or twice in the batch
    return { stored, duplicates: prepared.length - stored, quarantined: quarantined.length };
  }

  /**
   * Inserts the batch's events linked into the chain: one unordered insert in the usual case. Only when ids collide
   * (a redelivery, a crashed batch delivered again) are the stored links read and the batch linked again.
   */
  private async storeEvents(
    chain: string,
    prepared: readonly Prepared[],
    now: Date,
    knownPredecessor: string | undefined,
  ): Promise<ChainBatchPlan> {
    if (prepared.length === 0) return { inserts: [], repairs: [], duplicates: [] };
    const materials = prepared.map((p) => p.material);
    const predecessor = knownPredecessor ?? (await this.predecessorHash(chain, materials[0]!.seq));
    // optimistic: link as if nothing were stored yet, which is the case but after a crash or a redelivery;
    // the id collisions of the insert then say what was stored, and the batch is linked again knowing it
    let plan = planChainBatch(this.hashChain, chain, predecessor, materials, new Map());
    const records = plan.inserts.map((i) => toRecord(chain, i.material, i.link, now));
    const collided = new Set(records.length > 0 ? await this.eventWrites.submit(records) : []);
    if (collided.size === 0) return plan;
    const stored = await this.events.findLinks([...collided]);
    const foreign = [...collided].filter((id) => !stored.has(id));
    // the (chain, seq) is taken by another event id: not something a retry changes by itself
    if (foreign.length > 0)
      throw new StoreWriteError(`${chain}: offsets already hold other events (${foreign.length})`);
    const existing = new Map(stored);
    for (const r of records)
      if (!collided.has(r._id))
        existing.set(r._id, { chain, seq: r.seq, prevHash: r.prevHash, hash: r.hash });
    const inserted = plan.inserts.length - collided.size;
    plan = planChainBatch(this.hashChain, chain, predecessor, materials, existing);
    if (plan.inserts.length > 0)
      throw new StoreWriteError(`${chain}: relinking left ${plan.inserts.length} record(s) unstored`);
    plan.stored = inserted;
    if (plan.repairs.length > 0) {
      this.logger.warn(
        { chain, repairs: plan.repairs.length, duplicates: plan.duplicates.length },
        'relinking around stored events',
      );
      await this.events.relink(plan.repairs);
    }
    return plan;
  }

  /** One request record per distinct decided event; an event that cannot become one is noted, not blocking. */
  private decisionRecords(
    topic: TopicName,
    partition: number,
    prepared: readonly Prepared[],
    now: Date,
  ): ({ record: RequestRecord } | { quarantine: QuarantineRecord })[] {
    const seen = new Set<string>();
    const out: ({ record: RequestRecord } | { quarantine: QuarantineRecord })[] = [];
    for (const p of prepared) {
      if (seen.has(p.material.eventId)) continue;
      seen.add(p.material.eventId);
      try {
        out.push({ record: recordOfDecision(p.event as unknown as AccessDecidedV1, now) });
      } catch (err) {
        // stored and chained, but no request record can be built from it: keep a note, do not block the partition
        const m = { raw: p.material.raw, offset: String(p.material.seq), headers: {} };
        out.push({
          quarantine: quarantineRecord(
            topic,
            partition,
            m,
            `request record failed: ${(err as Error).message}`,
            now,
          ),
        });
      }
    }
    return out;
  }

  /** The hash of the record stored before `seq`: the chain head in the usual case (the batch after the last one). */
  private async predecessorHash(chain: string, seq: number): Promise<string> {
    const head = await this.events.head(chain);
    // a head below the batch is its predecessor: a batch is committed only after its head was advanced
    if (head && head.seq < seq) return head.hash;
    // nothing can be stored below a partition's first offset: no lookup (on FerretDB one would read the collection)
    if (seq === 0) return GENESIS_HASH;
    return (await this.events.predecessor(chain, seq))?.hash ?? GENESIS_HASH;
  }
}

interface WrittenHead {
  seq: number;
  hash: string;
  /** The offset after the last message of the batch that moved the head (quarantined ones included). */
  next: number;
}

/** This writer's own head when the batch starts right after the batch that wrote it, else undefined. */
function written(head: WrittenHead | undefined, offsets: readonly number[]): WrittenHead | undefined {
  if (!head || offsets.length === 0) return undefined;
  return offsets.reduce((a, b) => Math.min(a, b)) === head.next ? head : undefined;
}

/** The offset after a batch's last message. */
function after(offsets: readonly number[]): number {
  return offsets.reduce((a, b) => Math.max(a, b)) + 1;
}

/** The stored document of one event (exported for the benchmark's raw-driver baseline). */
export function toRecord(chain: string, m: LinkMaterial, link: Link, now: Date): AuditEventRecord {
  return {
    _id: m.eventId,
    chain,
    topic: m.topic,
    partition: m.partition,
    offset: String(m.seq),
    seq: m.seq,
    ...(m.requestId === undefined ? {} : { requestId: m.requestId }),
    eventType: m.eventType,
    producer: m.producer,
    time: new Date(m.time),
    storedAt: now,
    raw: m.raw,
    ...link,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Turns a message into what the chain covers, or says why it cannot be stored. */
export function prepare(topic: TopicName, partition: number, m: Consumed): Prepared | { reason: string } {
  // a UTF-16 unit is at most 3 UTF-8 bytes: only a long value needs its bytes counted (a pass over every string)
  if (m.raw.length > MAX_RAW_BYTES / 3 && Buffer.byteLength(m.raw, 'utf8') > MAX_RAW_BYTES)
    return { reason: `value larger than ${MAX_RAW_BYTES} bytes` };
  let event: unknown = m.event;
  if (event === undefined) {
    try {
      event = JSON.parse(m.raw);
    } catch {
      return { reason: 'value is not JSON' };
    }
  }
  if (!isObject(event)) return { reason: 'value is not a JSON object' };
  const { eventId, time, producer, requestId } = event;
  if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > 128)
    return { reason: 'no usable eventId' };
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) return { reason: 'no usable time' };
  if (typeof producer !== 'string') return { reason: 'no producer' };
  if (requestId !== undefined && typeof requestId !== 'string')
    return { reason: 'requestId is not a string' };
  const seq = Number(m.offset);
  if (!Number.isSafeInteger(seq) || seq < 0) return { reason: `offset ${m.offset} is not a safe integer` };
  return {
    event,
    material: {
      eventId,
      topic,
      partition,
      seq,
      requestId,
      eventType: m.headers[CloudEventHeaders.Type] ?? EventTypes[topic],
      producer,
      time: new Date(time).toISOString(),
      raw: m.raw,
    },
  };
}

function quarantineRecord(
  topic: string,
  partition: number,
  m: Consumed,
  reason: string,
  now: Date,
): QuarantineRecord {
  return {
    _id: `${topic}#${partition}@${m.offset}`,
    topic,
    partition,
    offset: m.offset,
    reason,
    // an oversized value is kept in part: enough to identify it, not enough to break the 16 MiB document limit
    raw: m.raw.length > MAX_RAW_BYTES ? m.raw.slice(0, 65_536) : m.raw,
    headers: JSON.stringify(m.headers),
    quarantinedAt: now,
  };
}
