/** One partition's next offset to commit (the offset after the last processed message). */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * At-least-once offset commits off the hot path: a chunk's offset is noted once its output is acknowledged, and
 * the notes are committed together at most every `intervalMs` — one OffsetCommit for many chunks instead of an
 * awaited round trip per chunk. Offsets of one partition only grow (its chunks run in order), so the newest note
 * wins. A failed commit keeps its offsets for the next one unless a newer note arrived meanwhile; `flush()` (drain,
 * rebalance) commits what is pending now.
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, PartitionOffset>();
  private timer?: NodeJS.Timeout;
  private committing: Promise<void> = Promise.resolve();

  constructor(
    private readonly commit: (offsets: PartitionOffset[]) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown, offsets: PartitionOffset[]) => void,
  ) {}

  /** Offsets noted and not yet committed. */
  get size(): number {
    return this.pending.size;
  }

  note(topic: string, partition: number, offset: string): void {
    this.pending.set(`${topic}\u0000${partition}`, { topic, partition, offset });
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** Commits every pending offset (after a commit already running); resolves when done, never rejects. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.committing = this.committing.then(() => this.commitPending());
    return this.committing;
  }

  /** Forgets what is pending (the partitions were taken away; their new owner starts from the committed offset). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private async commitPending(): Promise<void> {
    if (this.pending.size === 0) return;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    try {
      await this.commit(offsets);
    } catch (err) {
      for (const o of offsets) {
        const key = `${o.topic}\u0000${o.partition}`;
        if (!this.pending.has(key)) this.pending.set(key, o);
      }
      this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
      this.onError(err, offsets);
    }
  }
}
