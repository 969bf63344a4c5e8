import { randomUUID } from 'node:crypto';
import { createTopicsAndWait, ExactlyOnceDelivery } from '@clearance/kafka';
import { pollUntil, TestKafka, uniqueTopicPrefix } from '@clearance/testing';
import type { Consumer, ConsumerGroupJoinEvent, Producer } from 'kafkajs';

/** What a member knows of its place in the group: the GROUP_JOIN payload (generationId: the kafkajs patch). */
type Joined = ConsumerGroupJoinEvent['payload'];

/**
 * KIP-447 on the real broker, at the kafkajs level: a transactional offset commit carries the consumer's
 * generation and member id (TxnOffsetCommit v3, the kafkajs patch), so a member that lost its partitions to a
 * rebalance — a zombie with a chunk still in flight — cannot commit its transaction: neither its offset nor its
 * output lands. Unpatched kafkajs sends v0/v1, which carry neither, and the zombie's transaction commits.
 */
describe('transactional offset commit of a zombie (KIP-447)', () => {
  const kafka = new TestKafka();
  const clients: { disconnect(): Promise<void> }[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.disconnect().catch(() => undefined)));
    await kafka.disconnect();
  });

  async function topics(label: string): Promise<{ input: string; output: string }> {
    const prefix = uniqueTopicPrefix(label);
    const input = `${prefix}in`;
    const output = `${prefix}out`;
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      await createTopicsAndWait(admin, [
        { topic: input, numPartitions: 2, replicationFactor: 1 },
        { topic: output, numPartitions: 1, replicationFactor: 1 },
      ]);
    } finally {
      await admin.disconnect();
    }
    return { input, output };
  }

  /** A member of `groupId` on `input`; `joins` gets every GROUP_JOIN payload it reports. */
  async function member(groupId: string, input: string): Promise<{ consumer: Consumer; joins: Joined[] }> {
    const consumer = kafka.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    clients.push(consumer);
    const joins: Joined[] = [];
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => joins.push(payload));
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    await pollUntil(() => joins.length > 0, { timeoutMs: 60_000, what: `${groupId} join` });
    return { consumer, joins };
  }

  async function transactionalProducer(): Promise<Producer> {
    const producer = kafka.kafka.producer({
      transactionalId: `zombie-test-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    clients.push(producer);
    await producer.connect();
    return producer;
  }

  /** Every committed value of `topic`, read with read_committed until `last` shows up. */
  async function committedValues(topic: string, last: string): Promise<string[]> {
    const reader = kafka.kafka.consumer({ groupId: `zombie-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    clients.push(reader);
    const values: string[] = [];
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    await pollUntil(() => values.includes(last), { timeoutMs: 60_000, what: `${last} on ${topic}` });
    await reader.disconnect();
    return values;
  }

  async function committedOffset(groupId: string, topic: string, partition: number): Promise<string> {
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets!.partitions.find((p) => p.partition === partition)!.offset;
    } finally {
      await admin.disconnect();
    }
  }

  it('refuses the commit of a generation the group has left: the transaction aborts and nothing of it is visible', async () => {
    const { input, output } = await topics('zombie');
    const groupId = `zombie-${randomUUID()}`;
    const a = await member(groupId, input);
    const stale = a.joins[0]!;
    expect(stale.memberAssignment[input]?.sort()).toEqual([0, 1]);
    expect(stale.generationId).toEqual(expect.any(Number));

    // a second member joins: the generation moves and one of A's two partitions is B's now
    const b = await member(groupId, input);
    await pollUntil(() => a.joins.length > 1, { timeoutMs: 60_000, what: 'A rejoining' });
    const current = b.joins[b.joins.length - 1]!;
    expect(current.generationId).toBeGreaterThan(stale.generationId);
    const lost = current.memberAssignment[input]![0]!;
    expect(stale.memberAssignment[input]).toContain(lost);

    // A, still in the old generation, finishes the chunk it had in flight for the partition it lost
    const producer = await transactionalProducer();
    const zombie = await producer.transaction();
    await zombie.send({ topic: output, messages: [{ key: 'k', value: 'from the zombie' }] });
    const commit = zombie.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: lost, offset: '7' }] }],
      generationId: stale.generationId,
      memberId: stale.memberId,
    });
    await expect(commit).rejects.toMatchObject({ type: 'ILLEGAL_GENERATION' });
    await zombie.abort();

    // the partition's owner commits in the generation it holds: accepted
    const owner = await producer.transaction();
    await owner.send({ topic: output, messages: [{ key: 'k', value: 'from the owner' }] });
    await owner.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: lost, offset: '3' }] }],
      generationId: current.generationId,
      memberId: current.memberId,
    });
    await owner.commit();

    expect(await committedValues(output, 'from the owner')).toEqual(['from the owner']);
    expect(await committedOffset(groupId, input, lost)).toBe('3');
  });

  it('refuses the commit of a member that left the group', async () => {
    const { input, output } = await topics('gone');
    const groupId = `zombie-gone-${randomUUID()}`;
    const a = await member(groupId, input);
    const stale = a.joins[0]!;
    // A is evicted (here it leaves; a missed session does the same) and B takes both partitions
    await a.consumer.disconnect();
    const b = await member(groupId, input);
    expect(b.joins[0]!.memberAssignment[input]?.sort()).toEqual([0, 1]);

    const producer = await transactionalProducer();
    const zombie = await producer.transaction();
    await zombie.send({ topic: output, messages: [{ key: 'k', value: 'from the zombie' }] });
    await expect(
      zombie.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: input, partitions: [{ partition: 0, offset: '7' }] }],
        generationId: stale.generationId,
        memberId: stale.memberId,
      }),
    ).rejects.toMatchObject({ type: expect.stringMatching(/^(UNKNOWN_MEMBER_ID|ILLEGAL_GENERATION)$/) });
    await zombie.abort();

    const marker = await producer.transaction();
    await marker.send({ topic: output, messages: [{ key: 'k', value: 'marker' }] });
    await marker.commit();
    expect(await committedValues(output, 'marker')).toEqual(['marker']);
    expect(await committedOffset(groupId, input, 0)).toBe('-1');
  });

  it('ExactlyOnceDelivery: a chunk delivered in a generation the group has left aborts, and its output never shows', async () => {
    const { input, output } = await topics('delivery');
    const groupId = `zombie-delivery-${randomUUID()}`;
    const a = await member(groupId, input);
    const admin = kafka.kafka.admin();
    clients.push(admin);
    await admin.connect();
    const sut = new ExactlyOnceDelivery(
      { kafka: kafka.kafka, getAdmin: async () => admin },
      { groupId, transactionTimeoutMs: 60_000, maxRequestBytes: 768 * 1024 },
    );
    clients.push({ disconnect: () => sut.close() });
    await sut.start();
    // what kafka-batch.server hands over from A's GROUP_JOIN
    sut.groupJoined({ generationId: a.joins[0]!.generationId, memberId: a.joins[0]!.memberId });

    const b = await member(groupId, input);
    await pollUntil(() => a.joins.length > 1, { timeoutMs: 60_000, what: 'A rejoining' });
    const lost = b.joins.at(-1)!.memberAssignment[input]![0]!;
    const chunk = (value: string) => [{ topic: output, messages: [{ key: 'k', value }] }];

    await expect(
      sut.deliver(chunk('from the zombie'), { topic: input, partition: lost, offset: '7' }),
    ).rejects.toMatchObject({ type: 'ILLEGAL_GENERATION' });

    // the same delivery, told of A's new generation, goes on with the same producer
    const rejoined = a.joins.at(-1)!;
    sut.groupJoined({ generationId: rejoined.generationId, memberId: rejoined.memberId });
    const kept = rejoined.memberAssignment[input]![0]!;
    await sut.deliver(chunk('from A in its generation'), { topic: input, partition: kept, offset: '2' });

    expect(await committedValues(output, 'from A in its generation')).toEqual(['from A in its generation']);
    expect(await committedOffset(groupId, input, lost)).toBe('-1');
    expect(await committedOffset(groupId, input, kept)).toBe('2');
  });

  it('still lets a commit without group metadata through, as before (a producer outside a consumer group)', async () => {
    const { input, output } = await topics('plain');
    const groupId = `zombie-plain-${randomUUID()}`;
    const producer = await transactionalProducer();
    const tx = await producer.transaction();
    await tx.send({ topic: output, messages: [{ key: 'k', value: 'plain' }] });
    await tx.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: 1, offset: '5' }] }],
    });
    await tx.commit();
    expect(await committedValues(output, 'plain')).toEqual(['plain']);
    expect(await committedOffset(groupId, input, 1)).toBe('5');
  });
});
