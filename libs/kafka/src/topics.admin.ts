import { type Admin, type ITopicConfig } from 'kafkajs';

/** Errors a freshly created topic answers with until every broker knows its leaders (KRaft propagates metadata asynchronously). */
const NOT_YET_KNOWN = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** The Kafka error type of an error, also when kafkajs wrapped it after retrying. */
function errorType(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  if ('type' in err && typeof err.type === 'string') return err.type;
  if ('originalError' in err) return errorType(err.originalError);
  if ('cause' in err) return errorType(err.cause);
  return undefined;
}

export interface CreateTopicsOptions {
  /** How long to wait for every partition to have a leader. Default 30 s. */
  timeoutMs?: number;
}

/**
 * Creates the topics that do not exist yet and waits until every partition of every one has a leader.
 * Safe when several processes create the same topics at once: an existing topic is not an error, and the
 * "does not host this topic-partition" answers a broker gives for a topic it has not caught up with yet
 * are waited out (kafkajs' own `waitForLeaders` gives up on them). Returns the topics that did not exist
 * when it looked (another process may have created some of them in the meantime).
 */
export async function createTopicsAndWait(
  admin: Admin,
  topics: readonly ITopicConfig[],
  { timeoutMs = 30_000 }: CreateTopicsOptions = {},
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    // Resolves false when another process created them first; only other errors throw.
    await admin.createTopics({ waitForLeaders: false, topics: missing });
  }
  const names = topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: names });
      const led = metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (led) return missing.map((t) => t.topic);
    } catch (err) {
      if (!NOT_YET_KNOWN.has(errorType(err) ?? '')) throw err;
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`topics have no leader after ${timeoutMs} ms: ${names.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
