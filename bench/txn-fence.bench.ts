/**
 * What the zombie fence (KIP-447, TxnOffsetCommit v3 through the kafkajs patch) costs per transaction:
 *   node -r @swc-node/register bench/txn-fence.bench.ts [--rounds=6] [--per-round=40] [--name=txn-fence]
 *
 * One transactional producer with ExactlyOnceDelivery's options, one consumer that joined the group (so the
 * generation and member id are real), and back-to-back transactions as exactly-once makes them per chunk:
 * `sendBatch` of 10 decided-size events + `sendOffsets` + `commit`. Rounds alternate between the fenced commit
 * (v3 with the member's generation and member id) and the commit kafkajs made before (v1: the patch's v2/v3 hidden
 * from kafkajs's version lookup for the round), so that both run in the same process and the same machine state.
 * Per transaction: wall clock and the CPU of this process (`process.cpuUsage`, user + system).
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { createTopicsAndWait } from '@clearance/kafka';
import { pollUntil, TestKafka, uniqueTopicPrefix } from '@clearance/testing';
import { type ConsumerGroupJoinEvent, Partitioners } from 'kafkajs';
import { ensureInfra, summarize, writeResult } from './bench.support';

function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const ROUNDS = Number(arg('rounds', '6'));
const PER_ROUND = Number(arg('per-round', '40'));

// kafkajs's request table (internal, pinned 2.2.4): its lookup reads `versions` on every request
// eslint-disable-next-line @typescript-eslint/no-require-imports
const txnOffsetCommit = require('kafkajs/src/protocol/requests/txnOffsetCommit') as { versions: string[] };
const PATCHED_VERSIONS = [...txnOffsetCommit.versions];

async function main(): Promise<void> {
  const { brokers } = ensureInfra();
  const test = new TestKafka(brokers);
  const prefix = uniqueTopicPrefix('bench-fence');
  const input = `${prefix}in`;
  const output = `${prefix}out`;
  const admin = test.kafka.admin();
  await admin.connect();
  await createTopicsAndWait(admin, [
    { topic: input, numPartitions: 1, replicationFactor: 1 },
    { topic: output, numPartitions: 1, replicationFactor: 1 },
  ]);
  await admin.disconnect();

  const groupId = `bench-fence-${randomUUID()}`;
  const consumer = test.kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  let joined: ConsumerGroupJoinEvent['payload'] | undefined;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => (joined = payload));
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
  const member = await pollUntil(() => joined, { timeoutMs: 60_000, what: 'the group join' });

  const producer = test.kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    transactionalId: `bench-fence-${randomUUID()}`,
    transactionTimeout: 60_000,
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { initialRetryTime: 20, retries: 10, maxRetryTime: 2000 },
  });
  await producer.connect();
  // requests per transaction by API: a retried request (CONCURRENT_TRANSACTIONS after a commit) shows here
  let counting: Record<string, number> | undefined;
  producer.on(producer.events.REQUEST, ({ payload }) => {
    if (counting) counting[payload.apiName] = (counting[payload.apiName] ?? 0) + 1;
  });
  const requests: Record<'v1' | 'v3', Record<string, number>> = { v1: {}, v3: {} };
  const messages = Array.from({ length: 10 }, (_, i) => ({ key: `r${i}`, value: 'x'.repeat(3000) }));

  const samples: Record<'v1' | 'v3', { wallMs: number[]; cpuUs: number[] }> = {
    v1: { wallMs: [], cpuUs: [] },
    v3: { wallMs: [], cpuUs: [] },
  };
  let offset = 0;
  const transaction = async (fenced: boolean) => {
    const tx = await producer.transaction();
    await tx.sendBatch({ acks: -1, topicMessages: [{ topic: output, messages }] });
    await tx.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: String(++offset) }] }],
      ...(fenced ? { generationId: member.generationId, memberId: member.memberId } : {}),
    });
    await tx.commit();
  };
  // warm-up of both paths (connections to both coordinators, JIT)
  txnOffsetCommit.versions = ['0', '1'];
  for (let i = 0; i < 5; i++) await transaction(false);
  txnOffsetCommit.versions = PATCHED_VERSIONS;
  for (let i = 0; i < 5; i++) await transaction(true);

  const load = loadavg()[0]!;
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? (['v1', 'v3'] as const) : (['v3', 'v1'] as const)) {
      txnOffsetCommit.versions = mode === 'v1' ? ['0', '1'] : PATCHED_VERSIONS;
      counting = requests[mode];
      for (let i = 0; i < PER_ROUND; i++) {
        const cpu = process.cpuUsage();
        const start = process.hrtime.bigint();
        await transaction(mode === 'v3');
        samples[mode].wallMs.push(Number(process.hrtime.bigint() - start) / 1e6);
        const used = process.cpuUsage(cpu);
        samples[mode].cpuUs.push(used.user + used.system);
      }
    }
  }
  counting = undefined;
  txnOffsetCommit.versions = PATCHED_VERSIONS;
  await producer.disconnect();
  await consumer.disconnect();
  await test.disconnect();

  const mean = (v: number[]) => Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10) / 10;
  const result = {
    rounds: ROUNDS,
    transactionsPerRound: PER_ROUND,
    loadAverage1mStart: load,
    loadAverage1mEnd: loadavg()[0],
    ...Object.fromEntries(
      (['v1', 'v3'] as const).map((m) => [
        m,
        {
          transactions: samples[m].wallMs.length,
          requestsPerTransaction: Object.fromEntries(
            Object.entries(requests[m]).map(([api, n]) => [api, n / samples[m].wallMs.length]),
          ),
          wallMs: summarize(samples[m].wallMs),
          wallMsMean: mean(samples[m].wallMs),
          cpuUsPerTransaction: { mean: mean(samples[m].cpuUs), ...summarize(samples[m].cpuUs) },
        },
      ]),
    ),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  writeResult(arg('name', 'txn-fence'), result);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
