import type { Kafka, Producer, TopicMessages, Transaction } from 'kafkajs';
import { ExactlyOnceDelivery } from './exactly-once.delivery';

/** A kafkajs transactional producer and its transactions, recording what the delivery asks of them. */
class FakeProducer {
  readonly calls: string[] = [];
  failBegin?: Error;
  failSend?: Error;
  failOffsets?: Error;
  failCommit?: Error;
  /** Fails only the next commit. */
  failCommitOnce?: Error;
  failAbort?: Error;
  disconnected = false;

  constructor(readonly id: number) {}

  connect = jest.fn(async () => undefined);
  disconnect = jest.fn(async () => {
    this.disconnected = true;
  });

  transaction = jest.fn(async (): Promise<Transaction> => {
    if (this.failBegin) throw this.failBegin;
    this.calls.push('begin');
    return {
      sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages[] }) => {
        this.calls.push(`send ${topicMessages.map((t) => `${t.topic}×${t.messages.length}`).join(',')}`);
        if (this.failSend) throw this.failSend;
      },
      sendOffsets: async ({
        topics,
        generationId,
        memberId,
      }: {
        topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
        generationId?: number;
        memberId?: string;
      }) => {
        this.calls.push(
          `offsets ${topics.map((t) => t.partitions.map((p) => `${t.topic}/${p.partition}@${p.offset}`).join(',')).join(',')} gen ${generationId} ${memberId}`,
        );
        if (this.failOffsets) throw this.failOffsets;
      },
      commit: async () => {
        this.calls.push('commit');
        const once = this.failCommitOnce;
        this.failCommitOnce = undefined;
        if (once ?? this.failCommit) throw once ?? this.failCommit;
      },
      abort: async () => {
        this.calls.push('abort');
        if (this.failAbort) throw this.failAbort;
      },
    } as unknown as Transaction;
  });
}

describe(ExactlyOnceDelivery.name, () => {
  const output: TopicMessages[] = [
    {
      topic: 'access.geolocated.v1',
      messages: [
        { key: 'r1', value: '{}' },
        { key: 'r2', value: '{}' },
      ],
    },
    { topic: 'access.deadletter.v1', messages: [{ key: 'r3', value: '{}' }] },
  ];

  function setup(committed: string | undefined = undefined) {
    const producers: FakeProducer[] = [];
    const producerOptions: unknown[] = [];
    const kafka = {
      producer: jest.fn((options: unknown) => {
        producerOptions.push(options);
        const p = new FakeProducer(producers.length);
        producers.push(p);
        return p as unknown as Producer;
      }),
    } as unknown as Kafka;
    const fetchOffsets = jest.fn(async () => [
      {
        topic: 'access.requested.v1',
        partitions: committed === undefined ? [] : [{ partition: 1, offset: committed }],
      },
    ]);
    const getAdmin = jest.fn(async () => ({ fetchOffsets }) as never);
    const sut = new ExactlyOnceDelivery(
      { kafka, getAdmin },
      {
        groupId: 'stage-geolocation',
        transactionalId: 'geo-1',
        transactionTimeoutMs: 60_000,
        maxRequestBytes: 768 * 1024,
      },
    );
    // the consumer has joined (kafka-batch.server forwards kafkajs's GROUP_JOIN)
    sut.groupJoined({ generationId: 4, memberId: 'member-a' });
    return { sut, producers, producerOptions, fetchOffsets };
  }

  /** A kafkajs protocol error as the group coordinator's answer produces it. */
  function protocolError(type: string): Error {
    return Object.assign(new Error(`coordinator says ${type}`), { type, name: 'KafkaJSProtocolError' });
  }

  it('starts one idempotent transactional producer with the configured id', async () => {
    const { sut, producers, producerOptions } = setup();
    await sut.start();
    expect(producers).toHaveLength(1);
    expect(producerOptions[0]).toMatchObject({
      transactionalId: 'geo-1',
      idempotent: true,
      maxInFlightRequests: 1,
    });
  });

  it('makes up a transactional id from the group when none is configured', async () => {
    const kafka = { producer: jest.fn(() => new FakeProducer(0)) } as unknown as Kafka;
    const sut = new ExactlyOnceDelivery(
      { kafka, getAdmin: jest.fn() },
      { groupId: 'stage-decision', transactionTimeoutMs: 60_000, maxRequestBytes: 1024 },
    );
    await sut.start();
    expect(jest.mocked(kafka.producer).mock.calls[0]![0]).toMatchObject({
      transactionalId: expect.stringMatching(/^stage-decision-\d+-[a-z0-9]+$/),
    });
  });

  it('sends the output and the input offset in one transaction, then commits it', async () => {
    const { sut, producers } = setup();
    await sut.start();
    await sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '42' });
    expect(producers[0]!.calls).toEqual([
      'begin',
      'send access.geolocated.v1×2,access.deadletter.v1×1',
      'offsets access.requested.v1/1@42 gen 4 member-a',
      'commit',
    ]);
  });

  it('fences the offsets with the generation and member id of the latest group join', async () => {
    const { sut, producers } = setup();
    await sut.start();
    sut.groupJoined({ generationId: 7, memberId: 'member-a2' });
    await sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '42' });
    expect(producers[0]!.calls).toContain('offsets access.requested.v1/1@42 gen 7 member-a2');
  });

  it('delivers nothing before the consumer joined its group (offsets without a generation cannot be fenced)', async () => {
    const kafka = { producer: jest.fn(() => producer) } as unknown as Kafka;
    const producer = new FakeProducer(0);
    const sut = new ExactlyOnceDelivery(
      { kafka, getAdmin: jest.fn() },
      { groupId: 'g', transactionalId: 't', transactionTimeoutMs: 60_000, maxRequestBytes: 1024 },
    );
    await sut.start();
    await expect(sut.deliver(output, { topic: 'in', partition: 0, offset: '1' })).rejects.toThrow(
      'before the consumer joined its group',
    );
    expect(producer.calls).toEqual([]);
  });

  it.each(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID'])(
    'aborts a transaction the group coordinator fenced (%s), rethrows its error with its type and keeps the producer',
    async (type) => {
      const { sut, producers } = setup();
      await sut.start();
      producers[0]!.failOffsets = protocolError(type);
      // the type is what the chunk runner hands to kafkajs, which rejoins instead of retrying the chunk
      await expect(
        sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '42' }),
      ).rejects.toMatchObject({ type });
      expect(producers[0]!.calls).toEqual([
        'begin',
        'send access.geolocated.v1×2,access.deadletter.v1×1',
        'offsets access.requested.v1/1@42 gen 4 member-a',
        'abort',
      ]);
      expect(producers[0]!.disconnected).toBe(false);
      producers[0]!.failOffsets = undefined;
      sut.groupJoined({ generationId: 5, memberId: 'member-a' });
      await sut.deliver(output, { topic: 'access.requested.v1', partition: 0, offset: '9' });
      expect(producers).toHaveLength(1);
      expect(producers[0]!.calls.at(-1)).toBe('commit');
    },
  );

  it('splits output larger than one produce request into several sends of the same transaction', async () => {
    const kafka = { producer: jest.fn(() => producer) } as unknown as Kafka;
    const producer = new FakeProducer(0);
    const sut = new ExactlyOnceDelivery(
      { kafka, getAdmin: jest.fn() },
      { groupId: 'g', transactionalId: 't', transactionTimeoutMs: 60_000, maxRequestBytes: 300 },
    );
    await sut.start();
    sut.groupJoined({ generationId: 1, memberId: 'm' });
    const big = Array.from({ length: 6 }, (_, i) => ({ key: `r${i}`, value: 'x'.repeat(100) }));
    await sut.deliver([{ topic: 'out', messages: big }], { topic: 'in', partition: 0, offset: '6' });
    const sends = producer.calls.filter((c) => c.startsWith('send'));
    expect(sends.length).toBeGreaterThan(1);
    expect(producer.calls.filter((c) => c === 'begin' || c === 'commit')).toEqual(['begin', 'commit']);
  });

  it('aborts the transaction when a send fails and keeps the producer', async () => {
    const { sut, producers } = setup();
    await sut.start();
    producers[0]!.failSend = new Error('broker gone');
    await expect(
      sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '42' }),
    ).rejects.toThrow('broker gone');
    expect(producers[0]!.calls).toEqual([
      'begin',
      'send access.geolocated.v1×2,access.deadletter.v1×1',
      'abort',
    ]);
    producers[0]!.failSend = undefined;
    await sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '42' });
    expect(producers).toHaveLength(1);
  });

  it('rebuilds the producer, with the same transactional id, when an abort fails', async () => {
    const { sut, producers, producerOptions } = setup();
    await sut.start();
    producers[0]!.failCommit = new Error('commit lost');
    producers[0]!.failAbort = new Error('abort refused');
    await expect(
      sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '42' }),
    ).rejects.toThrow('commit lost');
    expect(producers[0]!.disconnected).toBe(true);
    await sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '42' });
    expect(producers).toHaveLength(2);
    expect(producers[1]!.calls.at(-1)).toBe('commit');
    expect(producerOptions[1]).toMatchObject({ transactionalId: 'geo-1' });
  });

  it('rebuilds the producer when it cannot begin a transaction', async () => {
    const { sut, producers } = setup();
    await sut.start();
    producers[0]!.failBegin = new Error('invalid state');
    await expect(
      sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '42' }),
    ).rejects.toThrow('invalid state');
    expect(producers[0]!.disconnected).toBe(true);
    await sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '42' });
    expect(producers).toHaveLength(2);
  });

  it('runs one transaction at a time when partitions deliver concurrently', async () => {
    const { sut, producers } = setup();
    await sut.start();
    await Promise.all([
      sut.deliver(output, { topic: 'access.requested.v1', partition: 0, offset: '10' }),
      sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '20' }),
    ]);
    expect(producers[0]!.calls.filter((c) => c === 'begin' || c === 'commit')).toEqual([
      'begin',
      'commit',
      'begin',
      'commit',
    ]);
  });

  it('a failed transaction does not fail the next one queued behind it', async () => {
    const { sut, producers } = setup();
    await sut.start();
    producers[0]!.failCommitOnce = new Error('commit lost');
    const first = sut.deliver(output, { topic: 'access.requested.v1', partition: 0, offset: '10' });
    const second = sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '20' });
    await expect(first).rejects.toThrow('commit lost');
    await expect(second).resolves.toBeUndefined();
    expect(producers[0]!.calls.filter((c) => c === 'begin' || c === 'abort' || c === 'commit')).toEqual([
      'begin',
      'commit',
      'abort',
      'begin',
      'commit',
    ]);
  });

  describe('alreadyDelivered (asked before a failed chunk is redone)', () => {
    it.each([
      ['the committed offset is past the chunk', '43', true],
      ['the committed offset is the chunk’s next offset', '42', true],
      ['the committed offset is before the chunk', '30', false],
      ['the group has no committed offset (-1)', '-1', false],
      ['the partition has no committed offset at all', undefined, false],
    ])('%s → %s', async (_case, committed, expected) => {
      const { sut, fetchOffsets } = setup(committed);
      await sut.start();
      await expect(
        sut.alreadyDelivered({ topic: 'access.requested.v1', partition: 1, offset: '42' }),
      ).resolves.toBe(expected);
      expect(fetchOffsets).toHaveBeenCalledWith({
        groupId: 'stage-geolocation',
        topics: ['access.requested.v1'],
      });
    });

    it('rebuilds a discarded producer first, so that the transaction left open is settled before reading', async () => {
      const { sut, producers, fetchOffsets } = setup('42');
      await sut.start();
      producers[0]!.failBegin = new Error('invalid state');
      await expect(
        sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '42' }),
      ).rejects.toThrow('invalid state');
      await sut.alreadyDelivered({ topic: 'access.requested.v1', partition: 1, offset: '42' });
      expect(producers).toHaveLength(2);
      expect(producers[1]!.connect.mock.invocationCallOrder[0]).toBeLessThan(
        fetchOffsets.mock.invocationCallOrder[0]!,
      );
    });
  });

  it('close disconnects the producer', async () => {
    const { sut, producers } = setup();
    await sut.start();
    await sut.close();
    expect(producers[0]!.disconnected).toBe(true);
  });
});
