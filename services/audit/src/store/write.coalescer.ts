/** One submitter's outcome of a joint write: its own result, or the error that fails only its own batch. */
export type Settled<R> = { ok: R } | { error: Error };

interface Pending<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: Error) => void;
}

/**
 * Joins what concurrent callers submit into one write (group commit). kafkajs hands the partition batches of one
 * fetch to the handler at once: what they submit in the same turn of the event loop, and whatever arrives while a
 * write of this kind is in flight, goes out as the next single write. `write` answers per item, in order: an item
 * resolves only with its own outcome, so one batch's conflict fails that batch alone; a throw of `write` itself
 * (the database unreachable) fails every item of that write. One write of a kind in flight at a time: on FerretDB
 * (SQLite, one writer) two at once are slower than one after the other, and the next one carries more.
 */
export class WriteCoalescer<T, R> {
  private queue: Pending<T, R>[] = [];
  private busy = false;
  private scheduled = false;

  constructor(private readonly write: (items: readonly T[]) => Promise<Settled<R>[]>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.busy || this.scheduled) return;
    this.scheduled = true;
    // after the current turn: the other partition batches of the fetch submit synchronously behind this one
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const taken = this.queue;
    if (taken.length === 0) return;
    this.queue = [];
    this.busy = true;
    try {
      const outcomes = await this.write(taken.map((p) => p.item));
      if (outcomes.length !== taken.length)
        throw new Error(`a joint write answered ${outcomes.length} of ${taken.length} items`);
      taken.forEach((p, i) => {
        const o = outcomes[i]!;
        if ('ok' in o) p.resolve(o.ok);
        else p.reject(o.error);
      });
    } catch (err) {
      for (const p of taken) p.reject(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.busy = false;
      this.schedule();
    }
  }
}
