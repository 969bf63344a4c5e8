/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `work`'s value if it settles within `ms`, else a rejection naming `what`. Nothing is cancelled: the work goes
 * on in the background. For callees that take no `AbortSignal` (kafkajs's admin and consumer, the driver's
 * `db.command`); where a callee takes one, give it `AbortSignal.timeout(ms)` instead.
 */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return raceTimer(work, ms, () => {
    throw new Error(`${what}: no answer within ${ms} ms`);
  });
}

/** Whether `work` settled (fulfilled or rejected) within `ms`; never rejects. */
export function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return raceTimer(
    work.then(
      () => true,
      () => true,
    ),
    ms,
    () => false,
  );
}

async function raceTimer<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<T>((resolve, reject) => {
        timer = setTimeout(() => {
          try {
            resolve(onTimeout());
          } catch (err) {
            reject(err as Error);
          }
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
