import type { TopicMessages } from 'kafkajs';
import type { PartitionOffset } from './offset.committer';

/**
 * How a chunk's output reaches the broker and its input offset gets committed: the one thing the two delivery
 * modes (`AtLeastOnceDelivery`, `ExactlyOnceDelivery`) do differently. The chunk runner calls `deliver` once per
 * processed chunk and treats a rejection as a failed attempt (the chunk is retried, nothing is committed).
 */
export interface ChunkDelivery {
  /** Connects what the mode needs before the consumer starts. */
  start(): Promise<void>;
  /** Produces `output` (acks = all), then commits `done`: the chunk's partition and the offset after its last message. */
  deliver(output: TopicMessages[], done: PartitionOffset): Promise<void>;
  /**
   * Asked before a failed chunk is redone; true when the failed attempt was delivered after all. Modes that cannot
   * tell leave it out and the chunk is redone (at-least-once allows that).
   */
  alreadyDelivered?(done: PartitionOffset): Promise<boolean>;
  /** The consumer joined its group (again): its assignment may have changed, and `member` is its new generation. */
  groupJoined(member?: GroupMember): void;
  /** A rebalance started: the old generation may still commit. */
  rebalancing(): void;
  /** Commits what was delivered and not yet committed; never rejects. */
  flush(): Promise<void>;
  /** Releases the mode's own clients; never rejects. */
  close(): Promise<void>;
}

/** A consumer's place in its group since its last join (kafkajs GROUP_JOIN; generationId through the kafkajs patch). */
export interface GroupMember {
  generationId: number;
  memberId: string;
}
