import type { Kafka, Producer, ProducerBatch } from 'kafkajs';
import { BatchingProducer, PublishWithdrawnError, splitByBytes } from './batching.producer';

function fakeKafka(sendBatch: (b: ProducerBatch) => Promise<unknown>): Kafka {
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendBatch,
  } as unknown as Producer;
  return { producer: () => producer } as unknown as Kafka;
}

const msg = (n: number, size = 10) => ({ key: `k${n}`, value: 'x'.repeat(size) });

describe(BatchingProducer.name, () => {
  it('collects concurrent sends into one request and resolves each caller after the ack', async () => {
    const requests: ProducerBatch[] = [];
    const sut = new BatchingProducer(
      fakeKafka(async (b) => void requests.push(b)),
      { lingerMs: 5, maxBatchMessages: 1000, maxRequestBytes: 1 << 20 },
    );

    await Promise.all([
      sut.send([{ topic: 'a', messages: [msg(1), msg(2)] }]),
      sut.send([{ topic: 'a', messages: [msg(3)] }]),
      sut.send([{ topic: 'b', messages: [msg(4)] }]),
    ]);

    expect(requests).toHaveLength(1);
    expect(requests[0]!.acks).toBe(-1);
    expect(requests[0]!.topicMessages!.map((t) => [t.topic, t.messages.length])).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
  });

  it('with lingerMs 0 sends what one tick queued at once, and what came during a request as the next one', async () => {
    const requests: ProducerBatch[] = [];
    let release!: () => void;
    const firstAcked = new Promise<void>((r) => (release = r));
    const sut = new BatchingProducer(
      fakeKafka(async (b) => {
        requests.push(b);
        if (requests.length === 1) await firstAcked;
      }),
      { lingerMs: 0, maxBatchMessages: 1000, maxRequestBytes: 1 << 20 },
    );

    const first = [
      sut.send([{ topic: 'a', messages: [msg(1)] }]),
      sut.send([{ topic: 'a', messages: [msg(2)] }]),
    ];
    await new Promise((r) => setImmediate(r));
    const during = [
      sut.send([{ topic: 'a', messages: [msg(3)] }]),
      sut.send([{ topic: 'b', messages: [msg(4)] }]),
    ];
    await new Promise((r) => setImmediate(r));
    expect(requests).toHaveLength(1);
    release();
    await Promise.all([...first, ...during]);

    expect(requests.map((r) => r.topicMessages!.flatMap((t) => t.messages.map((m) => m.key)))).toEqual([
      ['k1', 'k2'],
      ['k3', 'k4'],
    ]);
  });

  it('withdraws messages still queued (never sent), but not those already in a request', async () => {
    const requests: ProducerBatch[] = [];
    let release!: () => void;
    const firstAcked = new Promise<void>((r) => (release = r));
    const sut = new BatchingProducer(
      fakeKafka(async (b) => {
        requests.push(b);
        if (requests.length === 1) await firstAcked;
      }),
      { lingerMs: 0, maxBatchMessages: 1000, maxRequestBytes: 1 << 20 },
    );

    const inFlight = sut.sendWithdrawable([{ topic: 'a', messages: [msg(1)] }]);
    await new Promise((r) => setImmediate(r));
    const queued = sut.sendWithdrawable([{ topic: 'a', messages: [msg(2)] }]);
    const kept = sut.sendWithdrawable([{ topic: 'a', messages: [msg(3)] }]);

    expect(inFlight.withdraw()).toBe(false);
    expect(queued.withdraw()).toBe(true);
    await expect(queued.done).rejects.toBeInstanceOf(PublishWithdrawnError);
    release();
    await Promise.all([inFlight.done, kept.done]);

    expect(requests.map((r) => r.topicMessages!.flatMap((t) => t.messages.map((m) => m.key)))).toEqual([
      ['k1'],
      ['k3'],
    ]);
  });

  it('answers each caller after the request holding its messages, and tells sent from never sent on failure', async () => {
    let calls = 0;
    const sut = new BatchingProducer(
      fakeKafka(async () => {
        if (++calls === 2) throw new Error('connection closed');
      }),
      // 1,000 bytes a request: about four of the messages below each
      { lingerMs: 1, maxBatchMessages: 1000, maxRequestBytes: 1000 },
    );

    const sends = [1, 2, 3].map((n) =>
      sut.sendWithdrawable([{ topic: 'a', messages: [msg(n * 10), msg(n * 10 + 1), msg(n * 10 + 2)] }]),
    );
    const fourth = sut.sendWithdrawable([
      { topic: 'b', messages: Array.from({ length: 6 }, (_, i) => msg(i)) },
    ]);
    const results = await Promise.allSettled([...sends, fourth].map((s) => s.done));

    // requests: [1a 1b 1c 2a] acked, [2b 2c 3a 3b] failed, the rest never started
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    expect([...sends, fourth].map((s) => s.sent())).toEqual([true, true, true, false]);
  });

  it('makes a new producer after a failed request: the broker may hold what it sent under reused sequences', async () => {
    const made: string[] = [];
    let fail = true;
    const kafka = {
      producer: () => {
        const name = `p${made.length}`;
        made.push(name);
        return {
          connect: async () => undefined,
          disconnect: async () => undefined,
          sendBatch: async () => {
            if (fail) throw new Error('request timed out');
          },
        };
      },
    } as unknown as Kafka;
    const sut = new BatchingProducer(kafka, {
      lingerMs: 0,
      maxBatchMessages: 1000,
      maxRequestBytes: 1 << 20,
    });

    await expect(sut.send([{ topic: 'a', messages: [msg(1)] }])).rejects.toThrow('request timed out');
    fail = false;
    await sut.send([{ topic: 'a', messages: [msg(2)] }]);

    expect(made).toEqual(['p0', 'p1']);
  });

  it('rejects every caller of a failed request so nobody commits or answers 202', async () => {
    const sut = new BatchingProducer(
      fakeKafka(async () => {
        throw new Error('broker down');
      }),
      { lingerMs: 1, maxBatchMessages: 1000, maxRequestBytes: 1 << 20 },
    );

    const results = await Promise.allSettled([
      sut.send([{ topic: 'a', messages: [msg(1)] }]),
      sut.send([{ topic: 'a', messages: [msg(2)] }]),
    ]);

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('sends at once when the batch is full instead of waiting for the linger time', async () => {
    const requests: ProducerBatch[] = [];
    const sut = new BatchingProducer(
      fakeKafka(async (b) => void requests.push(b)),
      { lingerMs: 60_000, maxBatchMessages: 2, maxRequestBytes: 1 << 20 },
    );

    await sut.send([{ topic: 'a', messages: [msg(1), msg(2)] }]);

    expect(requests).toHaveLength(1);
  });
});

describe(splitByBytes.name, () => {
  it('keeps every request under the byte budget and loses no message', () => {
    const messages = Array.from({ length: 50 }, (_, i) => msg(i, 1000));

    const requests = splitByBytes([{ topic: 'a', messages }], 10_000);

    expect(requests.length).toBeGreaterThan(1);
    expect(requests.flatMap((r) => r.flatMap((t) => t.messages.map((m) => m.key)))).toEqual(
      messages.map((m) => m.key),
    );
  });

  it('sends a single message larger than the budget on its own', () => {
    const requests = splitByBytes([{ topic: 'a', messages: [msg(1, 50), msg(2, 5000), msg(3, 50)] }], 1000);

    expect(requests.map((r) => r[0]!.messages.length)).toEqual([1, 1, 1]);
  });
});
