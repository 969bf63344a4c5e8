import { Logger } from '@nestjs/common';
import { Partitioners, type Producer, type TopicMessages } from 'kafkajs';
import { splitByBytes } from './batching.producer';
import type { ChunkDelivery, GroupMember } from './delivery';
import type { KafkaConnection } from './kafka.connection';
import type { KafkaSettings } from './kafka.settings';
import type { PartitionOffset } from './offset.committer';

type ExactlyOnceSettings = Pick<
  KafkaSettings,
  'groupId' | 'transactionalId' | 'transactionTimeoutMs' | 'maxRequestBytes'
>;

/** Group coordinator answers to a transactional offset commit whose member is no longer the partition's owner. */
const FENCED = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

/**
 * Exactly-once: each chunk's output and its input offset go into one Kafka transaction (`sendOffsets`), so a
 * read_committed consumer sees the output once and the offset moves with it or not at all. One transactional
 * producer, one transaction at a time (partitions processed concurrently queue); a producer that kafkajs left
 * wedged is replaced by a new one with the same transactional id, which fences the old one.
 *
 * The offsets carry the consumer's generation and member id (TxnOffsetCommit v3, KIP-447, through the kafkajs
 * patch): a zombie — a member that lost its partitions to a rebalance while a chunk was in flight — is refused by
 * the group coordinator, its transaction aborts, and the partition's new owner, which re-read the chunk from the
 * last committed offset, is the only one whose output becomes visible.
 */
export class ExactlyOnceDelivery implements ChunkDelivery {
  private readonly logger = new Logger(ExactlyOnceDelivery.name);
  private producer?: Producer;
  private connecting?: Promise<Producer>;
  private transactionalId?: string;
  private chain: Promise<unknown> = Promise.resolve();
  /** The consumer's generation and member id, from its last group join: what each chunk's offsets are fenced by. */
  private member?: GroupMember;

  constructor(
    private readonly connection: Pick<KafkaConnection, 'kafka' | 'getAdmin'>,
    private readonly settings: ExactlyOnceSettings,
  ) {}

  async start(): Promise<void> {
    assertKafkajsFencesOffsets();
    // a stable id fences the previous incarnation: initTransactions aborts what it left open
    this.transactionalId =
      this.settings.transactionalId ??
      `${this.settings.groupId}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    await this.transactionalProducer();
  }

  async deliver(output: TopicMessages[], { topic, partition, offset }: PartitionOffset): Promise<void> {
    // the generation the chunk ran in (kafkajs rejoins only once every handler of the member returned)
    const member = this.member;
    // fail closed: offsets without a generation could not be fenced
    if (!member) throw new Error('exactly-once delivery before the consumer joined its group');
    // one transaction at a time per producer: partitions processed concurrently queue here
    const run = this.chain.then(async () => {
      const producer = await this.transactionalProducer();
      // a producer that cannot begin a transaction is as wedged as one whose abort failed
      const tx = await producer.transaction().catch(async (err: unknown) => {
        await this.discard(producer, err);
        throw err;
      });
      try {
        for (const request of splitByBytes(output, this.settings.maxRequestBytes)) {
          await tx.sendBatch({ topicMessages: request, acks: -1 });
        }
        await tx.sendOffsets({
          consumerGroupId: this.settings.groupId,
          topics: [{ topic, partitions: [{ partition, offset }] }],
          generationId: member.generationId,
          memberId: member.memberId,
        });
        await tx.commit();
      } catch (err) {
        await tx.abort().catch((abortErr: unknown) => this.discard(producer, abortErr));
        // the chunk runner hands this error (its type kept) to kafkajs, which rejoins the group: the chunk is not
        // retried here, its partition's owner redoes it
        if (isFenced(err))
          this.logger.warn({
            msg: 'transaction fenced: this member lost the partition to a rebalance; aborted, the new owner redoes the chunk',
            topic,
            partition,
            generationId: member.generationId,
            err: (err as Error).message,
          });
        throw err;
      }
    });
    this.chain = run.catch(() => undefined);
    await run;
  }

  /**
   * A failed attempt may have committed after all (the broker went away before it answered the commit); the
   * rebuilt producer's initTransactions settles that transaction, after which the group's committed offset says
   * whether the chunk is already done. Redoing it then would decide it twice.
   */
  async alreadyDelivered({ topic, partition, offset }: PartitionOffset): Promise<boolean> {
    await this.transactionalProducer();
    const admin = await this.connection.getAdmin();
    const [offsets] = await admin.fetchOffsets({ groupId: this.settings.groupId, topics: [topic] });
    const committed = offsets?.partitions.find((p) => p.partition === partition)?.offset;
    return committed !== undefined && committed !== '-1' && BigInt(committed) >= BigInt(offset);
  }

  groupJoined(member?: GroupMember): void {
    // offsets travel inside the transactions: nothing is pending outside them; the new generation fences them
    this.member = member;
  }

  rebalancing(): void {
    // as above: nothing to commit ahead of the rebalance
  }

  async flush(): Promise<void> {
    // every delivered chunk's offset was committed with its transaction
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
  }

  /** The transactional producer, made (again) when there is none: after a start, or after one was wedged. */
  private transactionalProducer(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const producer = this.connection.kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        transactionalId: this.transactionalId,
        transactionTimeout: this.settings.transactionTimeoutMs,
        idempotent: true,
        maxInFlightRequests: 1,
        // the broker answers CONCURRENT_TRANSACTIONS right after a commit; the default 300 ms retry makes each
        // transaction ~220 ms, 20 ms brings it to ~40 ms (measured on the local 4.4 broker)
        retry: { initialRetryTime: 20, retries: 10, maxRetryTime: 2000 },
      });
      try {
        await producer.connect();
        this.producer = producer;
        return producer;
      } catch (err) {
        await producer.disconnect().catch(() => undefined);
        throw err;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  /**
   * kafkajs leaves a producer whose commit or abort failed (the broker went away mid-transaction) in a state that
   * refuses every later transaction (issue 18): drop it; the next chunk builds a new one with the same
   * transactional id, whose initTransactions fences the old one and aborts what it left open.
   */
  private async discard(producer: Producer, err: unknown): Promise<void> {
    if (this.producer !== producer) return;
    this.producer = undefined;
    this.logger.warn({
      msg: 'transactional producer wedged (abort or begin failed); rebuilding it',
      err: (err as Error).message,
    });
    await producer.disconnect().catch(() => undefined);
  }
}

function isFenced(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === 'string' && FENCED.has(type);
}

/**
 * Unpatched kafkajs (an install that skipped patch-package) sends TxnOffsetCommit v0/v1, which carry no generation:
 * a zombie's transaction would commit. Refuse to start rather than run exactly-once without the fence.
 */
function assertKafkajsFencesOffsets(): void {
  // kafkajs's request table is internal: reached by its path in the pinned 2.2.4
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { versions } = require('kafkajs/src/protocol/requests/txnOffsetCommit') as { versions: string[] };
  if (!versions.includes('3'))
    throw new Error(
      'kafkajs is not patched (patches/kafkajs+2.2.4.patch, applied by npm ci): exactly-once needs TxnOffsetCommit v3 to fence a rebalanced-away member',
    );
}
