import { Logger } from '@nestjs/common';
import type { TopicMessages } from 'kafkajs';
import type { BatchingProducer } from './batching.producer';
import type { ChunkDelivery } from './delivery';
import { OffsetCommitter, type PartitionOffset } from './offset.committer';

/**
 * At-least-once: a chunk's output goes through the stage's batching producer (acks = all, idempotent), and only
 * once the broker acknowledged it is the chunk's input offset committed. A crash in between redelivers the chunk,
 * so its outputs appear twice with the same ids (audit dedupes on `ce_id`). With `commitIntervalMs` > 0 the
 * commits are collected and sent in the background (`OffsetCommitter`); with 0 each chunk awaits its commit.
 */
export class AtLeastOnceDelivery implements ChunkDelivery {
  private readonly logger = new Logger(AtLeastOnceDelivery.name);
  private readonly committer?: OffsetCommitter;

  constructor(
    private readonly producer: Pick<BatchingProducer, 'send'>,
    /** The consumer's commitOffsets: the consumer is made after this delivery, so it is reached through a call. */
    private readonly commitOffsets: (offsets: PartitionOffset[]) => Promise<void>,
    commitIntervalMs: number,
  ) {
    if (commitIntervalMs > 0)
      this.committer = new OffsetCommitter(commitOffsets, commitIntervalMs, (err, offsets) =>
        // the offsets stay pending for the next commit; at worst they are redelivered (at-least-once)
        this.logger.warn({
          msg: 'offset commit failed, will retry',
          partitions: offsets.length,
          err: String(err),
        }),
      );
  }

  async start(): Promise<void> {
    // the batching producer is the stage's publisher's, connected by the transport
  }

  async deliver(output: TopicMessages[], done: PartitionOffset): Promise<void> {
    if (output.length > 0) await this.producer.send(output);
    if (this.committer) this.committer.note(done.topic, done.partition, done.offset);
    else await this.commitOffsets([done]);
  }

  groupJoined(): void {
    // what a failed pre-rebalance commit left is for partitions that may be someone else's now
    this.committer?.clear();
  }

  rebalancing(): void {
    // commit what was processed while the old generation still may, so the next owner does not redo it
    void this.committer?.flush();
  }

  async flush(): Promise<void> {
    await this.committer?.flush();
  }

  async close(): Promise<void> {
    // nothing of its own: the batching producer belongs to the publisher, which closes it
  }
}
