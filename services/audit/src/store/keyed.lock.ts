/**
 * Runs work that holds a set of keys, never two at once for one key. Acquiring is all-or-nothing (wait until none
 * of the keys is held, then take them all without yielding), so two holders can never wait on each other.
 */
export class KeyedLock {
  private readonly held = new Map<string, Promise<void>>();

  async run<T>(keys: Iterable<string>, work: () => Promise<T>): Promise<T> {
    const wanted = [...new Set(keys)];
    for (;;) {
      const busy = wanted.map((k) => this.held.get(k)).filter((p): p is Promise<void> => p !== undefined);
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    for (const k of wanted) this.held.set(k, mine);
    try {
      return await work();
    } finally {
      for (const k of wanted) if (this.held.get(k) === mine) this.held.delete(k);
      release();
    }
  }

  get size(): number {
    return this.held.size;
  }
}
