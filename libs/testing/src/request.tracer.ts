import { type StageName, type TopicName, Topics } from '@clearance/contracts';
import { pollUntil } from './poll';
import type { Collector, TestKafka } from './test-kafka';

/** Each stage's input topic, in pipeline order, and the stage that consumes it. */
const HOPS: readonly { topic: TopicName; consumer: StageName | 'the test' }[] = [
  { topic: Topics.AccessRequested, consumer: 'geolocation' },
  { topic: Topics.AccessGeolocated, consumer: 'verification' },
  { topic: Topics.AccessVerified, consumer: 'decision' },
  { topic: Topics.AccessDecided, consumer: 'the test' },
];

/**
 * Where requests that a fault test is still waiting for stopped, for its failure message: for every stage's topic,
 * how many of them a fresh read_committed reader finds and how many a read_uncommitted one finds (more uncommitted
 * than committed: held back by an open transaction, or aborted), on which partitions, and each consuming group's
 * committed offset against the partition's end. Fresh readers under new groups, so nothing of a long-lived
 * collector's state is involved.
 */
export async function whereTheyStopped(
  kafka: TestKafka,
  prefix: string,
  ids: readonly string[],
): Promise<string> {
  const wanted = new Set(ids);
  const open = (readCommitted: boolean) =>
    Promise.all(
      HOPS.map(({ topic }) => kafka.collector<{ requestId?: string }>(prefix, topic, { readCommitted })),
    );
  const readers = { committed: await open(true), uncommitted: await open(false) };
  // each wanted request once (a read_uncommitted reader also sees aborted copies)
  const hits = (r: Collector<{ requestId?: string }>) => {
    const first = new Map<string, { partition: number }>();
    for (const m of r.messages) {
      const id = m.event?.requestId;
      if (id !== undefined && wanted.has(id) && !first.has(id)) first.set(id, m);
    }
    return [...first.values()];
  };
  const snapshot = () =>
    [...readers.committed, ...readers.uncommitted]
      .map((r) => `${r.messages.length}/${hits(r).length}`)
      .join();
  // the readers start at the beginning of each topic: give them time to reach its end
  let last = '';
  await pollUntil(
    () => {
      const now = snapshot();
      const settled = now === last;
      last = now;
      return settled;
    },
    { timeoutMs: 60_000, intervalMs: 5_000, what: 'fresh readers to settle' },
  ).catch(() => undefined);
  await Promise.all(
    [...readers.committed, ...readers.uncommitted].map((r) => r.stop().catch(() => undefined)),
  );

  const admin = kafka.kafka.admin();
  await admin.connect().catch(() => undefined);
  try {
    const lines: string[] = [];
    for (const [i, { topic, consumer }] of HOPS.entries()) {
      const committed = hits(readers.committed[i]!);
      const uncommitted = hits(readers.uncommitted[i]!);
      const byPartition = (ms: { partition: number }[]) => {
        const n = new Map<number, number>();
        for (const m of ms) n.set(m.partition, (n.get(m.partition) ?? 0) + 1);
        return (
          [...n]
            .sort(([a], [b]) => a - b)
            .map(([p, c]) => `p${p}:${c}`)
            .join(' ') || 'none'
        );
      };
      let offsets = '';
      try {
        const physical = prefix + topic;
        const ends = await admin.fetchTopicOffsets(physical);
        const readTo = new Map<number, string>();
        for (const m of readers.committed[i]!.messages) readTo.set(m.partition, m.offset);
        const group =
          consumer === 'the test'
            ? undefined
            : (
                await admin.fetchOffsets({ groupId: `${prefix}clearance-${consumer}`, topics: [physical] })
              )[0];
        offsets = ends
          .sort((a, b) => a.partition - b.partition)
          .map((e) => {
            const at = group?.partitions.find((p) => p.partition === e.partition)?.offset;
            return `p${e.partition} end ${e.high}, read_committed to ${readTo.get(e.partition) ?? '-'}${at === undefined ? '' : `, ${consumer} committed ${at}`}`;
          })
          .join('; ');
      } catch (err) {
        offsets = `offsets unavailable: ${String(err)}`;
      }
      lines.push(
        `${topic}: ${committed.length} read_committed (${byPartition(committed)}), ${uncommitted.length} read_uncommitted (${byPartition(uncommitted)}) [${offsets}]`,
      );
    }
    return lines.join(' | ');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
