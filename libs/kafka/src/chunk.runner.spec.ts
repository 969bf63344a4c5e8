import type { MessageHandler } from '@nestjs/microservices';
import { type AccessRequestedV1, type DeadLetterV1, type TopicName, Topics } from '@clearance/contracts';
import type { EachBatchPayload, KafkaMessage, TopicMessages } from 'kafkajs';
import { of } from 'rxjs';
import { ChunkRunner } from './chunk.runner';
import type { ChunkDelivery } from './delivery';
import { TransientError } from './errors';
import type { KafkaEventContext } from './kafka-event.context';
import type { PartitionOffset } from './offset.committer';
import { outbound, type ConsumedBatch } from './outbound';

// libs/kafka may not use @clearance/testing (boundary rules): a minimal valid event of its own
const requested = (n: number): AccessRequestedV1 =>
  ({
    eventId: `5b0f6f0e-8f0a-4c55-9d0e-2a7c3f1b9e${String(n).padStart(2, '0')}`,
    requestId: `req-${n}`,
    time: '2026-11-27T00:00:00.000Z',
    producer: 'ingest',
    timestamps: { requestedAt: '2026-11-27T00:00:00.000Z' },
    request: {
      requestId: `req-${n}`,
      subject: { userId: 'u1' },
      network: { ip: '2001:4860:4860::8888' },
      resource: { model: 'm', action: 'inference' },
      occurredAt: '2026-11-27T00:00:00.000Z',
      client: 'c',
    },
  }) as unknown as AccessRequestedV1;

const PREFIX = 't1.';
const IN = `${PREFIX}${Topics.AccessRequested}`;
const OUT = `${PREFIX}${Topics.AccessGeolocated}`;
const DLQ = `${PREFIX}${Topics.DeadLetter}`;

function aMessage(offset: number, value: string | Buffer = JSON.stringify(requested(offset))): KafkaMessage {
  return {
    key: Buffer.from(`req-${offset}`),
    value: Buffer.isBuffer(value) ? value : Buffer.from(value),
    offset: String(offset),
    timestamp: '1764547200000',
    headers: {},
    attributes: 0,
  } as KafkaMessage;
}

/** kafkajs' eachBatch payload for one partition batch, recording what the runner resolves. */
function aBatch(messages: KafkaMessage[], partition = 2) {
  const state = { running: true, stale: false, resolved: [] as string[] };
  const payload = {
    batch: { topic: IN, partition, messages, offsetLag: () => '0' },
    resolveOffset: (offset: string) => state.resolved.push(offset),
    heartbeat: jest.fn(async () => undefined),
    isRunning: () => state.running,
    isStale: () => state.stale,
  } as unknown as EachBatchPayload;
  return { payload, state };
}

/** A delivery mode that records each chunk's output and offset, and fails when told to. */
class RecordingDelivery implements ChunkDelivery {
  readonly delivered: { output: TopicMessages[]; topic: string; partition: number; next: string }[] = [];
  failures: Error[] = [];
  alreadyDelivered?: ChunkDelivery['alreadyDelivered'];
  start = async () => undefined;
  async deliver(output: TopicMessages[], done: PartitionOffset): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.delivered.push({ output, topic: done.topic, partition: done.partition, next: done.offset });
  }
  groupJoined(): void {}
  rebalancing(): void {}
  flush = async () => undefined;
  close = async () => undefined;
}

function handlerOf(fn: (data: unknown, ctx: KafkaEventContext) => unknown, extras?: Record<string, unknown>) {
  return Object.assign(jest.fn(fn), { extras }) as unknown as MessageHandler & jest.Mock;
}

/** Geolocation-like: one output per input. */
const forward = () => handlerOf((event) => outbound(Topics.AccessGeolocated, event as never));

function setup(
  handler: MessageHandler | undefined,
  options: { chunkSize?: number; maxMessageBytes?: number } = {},
) {
  const delivery = new RecordingDelivery();
  const sut = new ChunkRunner(
    'geolocation',
    {
      topicPrefix: PREFIX,
      chunkSize: options.chunkSize ?? 1000,
      handlerConcurrency: 4,
      maxMessageBytes: options.maxMessageBytes ?? 256 * 1024,
    },
    (topic: TopicName) => (topic === Topics.AccessRequested ? handler : undefined),
    delivery,
    1000,
  );
  return { sut, delivery };
}

const keysOf = (output: TopicMessages[], topic: string) =>
  output.find((t) => t.topic === topic)?.messages.map((m) => String(m.key)) ?? [];
const deadLettersOf = (output: TopicMessages[]) =>
  (output.find((t) => t.topic === DLQ)?.messages ?? []).map(
    (m) => JSON.parse(String(m.value)) as DeadLetterV1,
  );

describe(ChunkRunner.name, () => {
  it('cuts a batch into chunks, delivers each with the offset after its last message, then resolves it', async () => {
    const handler = forward();
    const { sut, delivery } = setup(handler, { chunkSize: 2 });
    const { payload, state } = aBatch([aMessage(10), aMessage(11), aMessage(12)]);
    await sut.runBatch(payload);
    expect(delivery.delivered.map((d) => [d.topic, d.partition, d.next])).toEqual([
      [IN, 2, '12'],
      [IN, 2, '13'],
    ]);
    expect(keysOf(delivery.delivered[0]!.output, OUT)).toEqual(['req-10', 'req-11']);
    expect(keysOf(delivery.delivered[1]!.output, OUT)).toEqual(['req-12']);
    expect(state.resolved).toEqual(['11', '12']);
    expect(handler).toHaveBeenCalledTimes(3);
  });

  it('hands each handler the parsed event and where it came from', async () => {
    const seen: unknown[] = [];
    const handler = handlerOf((event, ctx) => {
      seen.push([
        (event as AccessRequestedV1).requestId,
        ctx.getTopic(),
        ctx.getPartition(),
        ctx.getOffset(),
      ]);
      return undefined;
    });
    const { sut, delivery } = setup(handler);
    await sut.runBatch(aBatch([aMessage(7)]).payload);
    expect(seen).toEqual([['req-7', Topics.AccessRequested, 2, '7']]);
    expect(delivery.delivered[0]!.output).toEqual([]);
  });

  it('takes an observable result, and several outputs of one message', async () => {
    const handler = handlerOf((event) =>
      of([
        outbound(Topics.AccessGeolocated, event as never),
        outbound(Topics.AccessGeolocated, event as never),
      ]),
    );
    const { sut, delivery } = setup(handler);
    await sut.runBatch(aBatch([aMessage(1)]).payload);
    expect(keysOf(delivery.delivered[0]!.output, OUT)).toEqual(['req-1', 'req-1']);
  });

  it('ignores a batch of a topic without a handler', async () => {
    const { sut, delivery } = setup(undefined);
    const { payload, state } = aBatch([aMessage(1)]);
    await sut.runBatch(payload);
    expect(delivery.delivered).toEqual([]);
    expect(state.resolved).toEqual([]);
  });

  it('dead-letters bad JSON, a schema violation and an oversized message, and processes the rest', async () => {
    const handler = forward();
    const { sut, delivery } = setup(handler, { maxMessageBytes: 2000 });
    const { payload, state } = aBatch([
      aMessage(1, '{not json'),
      aMessage(2, JSON.stringify({ eventId: 'x' })),
      aMessage(3, JSON.stringify({ ...requested(3), pad: 'x'.repeat(3000) })),
      aMessage(4),
    ]);
    await sut.runBatch(payload);
    const [chunk] = delivery.delivered;
    expect(deadLettersOf(chunk!.output).map((d) => [d.kind, d.source.offset, d.producer])).toEqual([
      ['invalid-json', '1', 'geolocation'],
      ['schema-violation', '2', 'geolocation'],
      ['oversized', '3', 'geolocation'],
    ]);
    expect(keysOf(chunk!.output, OUT)).toEqual(['req-4']);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(state.resolved).toEqual(['4']);
  });

  it('dead-letters a message whose handler fails for good, with the reason', async () => {
    const handler = handlerOf((event) => {
      if ((event as AccessRequestedV1).requestId === 'req-1') throw new Error('unparseable address');
      return outbound(Topics.AccessGeolocated, event as never);
    });
    const { sut, delivery } = setup(handler);
    await sut.runBatch(aBatch([aMessage(1), aMessage(2)]).payload);
    const [dead] = deadLettersOf(delivery.delivered[0]!.output);
    expect(dead).toMatchObject({ kind: 'handler-error', requestId: 'req-1' });
    expect(dead!.reason).toContain('unparseable address');
    expect(keysOf(delivery.delivered[0]!.output, OUT)).toEqual(['req-2']);
  });

  it('retries the whole chunk on a transient handler error and delivers it once', async () => {
    let calls = 0;
    const handler = handlerOf((event) => {
      if (++calls === 1) throw new TransientError('database away');
      return outbound(Topics.AccessGeolocated, event as never);
    });
    const { sut, delivery } = setup(handler);
    const { payload, state } = aBatch([aMessage(1), aMessage(2)]);
    await sut.runBatch(payload);
    expect(delivery.delivered).toHaveLength(1);
    expect(keysOf(delivery.delivered[0]!.output, OUT)).toEqual(['req-1', 'req-2']);
    expect(deadLettersOf(delivery.delivered[0]!.output)).toEqual([]);
    expect(state.resolved).toEqual(['2']);
  });

  it('retries a chunk whose delivery failed, reporting the failure until it succeeds', async () => {
    const { sut, delivery } = setup(forward());
    delivery.failures.push(new Error('broker gone'), new Error('broker still gone'));
    const failures: (string | undefined)[] = [];
    const deliver = delivery.deliver.bind(delivery);
    jest.spyOn(delivery, 'deliver').mockImplementation((...args) => {
      failures.push(sut.failing()?.reason);
      return deliver(...args);
    });
    const { payload, state } = aBatch([aMessage(1)]);
    await sut.runBatch(payload);
    expect(failures).toEqual([undefined, 'broker gone', 'broker still gone']);
    expect(sut.failing()).toBeUndefined();
    expect(delivery.delivered).toHaveLength(1);
    expect(state.resolved).toEqual(['1']);
  });

  it('does not redo a chunk whose failed attempt was delivered after all', async () => {
    const handler = forward();
    const { sut, delivery } = setup(handler);
    delivery.alreadyDelivered = jest.fn(async () => true);
    delivery.failures.push(new Error('commit answer lost'));
    const { payload, state } = aBatch([aMessage(5)]);
    await sut.runBatch(payload);
    expect(delivery.alreadyDelivered).toHaveBeenCalledWith({ topic: IN, partition: 2, offset: '6' });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(delivery.delivered).toEqual([]);
    expect(state.resolved).toEqual(['5']);
  });

  it('asks whether a chunk was delivered only before a retry, not on the first attempt', async () => {
    const { sut, delivery } = setup(forward());
    delivery.alreadyDelivered = jest.fn(async () => false);
    await sut.runBatch(aBatch([aMessage(5)]).payload);
    expect(delivery.alreadyDelivered).not.toHaveBeenCalled();
  });

  it('hands a rebalance error back to kafkajs without resolving the chunk', async () => {
    const { sut, delivery } = setup(forward());
    delivery.failures.push(Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' }));
    const { payload, state } = aBatch([aMessage(1)]);
    await expect(sut.runBatch(payload)).rejects.toThrow('rebalancing');
    expect(state.resolved).toEqual([]);
  });

  it('stops retrying, and resolves nothing, once the consumer stops', async () => {
    const { sut, delivery } = setup(forward());
    const { payload, state } = aBatch([aMessage(1), aMessage(2)]);
    jest.spyOn(delivery, 'deliver').mockImplementation(async () => {
      state.running = false;
      throw new Error('broker gone');
    });
    await sut.runBatch(payload);
    expect(state.resolved).toEqual([]);
  });

  it('runs a batch handler once per chunk with the valid messages, dead-lettering the others', async () => {
    const batches: ConsumedBatch<AccessRequestedV1>[] = [];
    const handler = handlerOf(
      (batch) => {
        batches.push(batch as ConsumedBatch<AccessRequestedV1>);
        return (batch as ConsumedBatch<AccessRequestedV1>).messages.map((m) =>
          outbound(Topics.AccessGeolocated, m.event as never),
        );
      },
      { batch: true },
    );
    const { sut, delivery } = setup(handler, { chunkSize: 3 });
    const { payload, state } = aBatch([aMessage(1), aMessage(2, '{'), aMessage(3), aMessage(4)]);
    await sut.runBatch(payload);
    expect(batches.map((b) => [b.topic, b.partition, b.messages.map((m) => m.offset)])).toEqual([
      [Topics.AccessRequested, 2, ['1', '3']],
      [Topics.AccessRequested, 2, ['4']],
    ]);
    expect(batches[0]!.messages[0]).toMatchObject({ timestamp: '1764547200000', headers: {} });
    expect(batches[0]!.messages[0]!.event.requestId).toBe('req-1');
    expect(JSON.parse(batches[0]!.messages[0]!.raw)).toEqual(requested(1));
    expect(deadLettersOf(delivery.delivered[0]!.output).map((d) => d.source.offset)).toEqual(['2']);
    expect(keysOf(delivery.delivered[0]!.output, OUT)).toEqual(['req-1', 'req-3']);
    expect(state.resolved).toEqual(['3', '4']);
  });

  it('does not call a batch handler for a chunk of dead letters only', async () => {
    const handler = handlerOf(() => undefined, { batch: true });
    const { sut, delivery } = setup(handler);
    await sut.runBatch(aBatch([aMessage(1, '{')]).payload);
    expect(handler).not.toHaveBeenCalled();
    expect(deadLettersOf(delivery.delivered[0]!.output)).toHaveLength(1);
  });

  it('drains: lets the chunk in flight finish and be delivered, and starts no new one', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const handler = handlerOf(async (event) => {
      started++;
      await held;
      return outbound(Topics.AccessGeolocated, event as never);
    });
    const { sut, delivery } = setup(handler, { chunkSize: 1 });
    const { payload, state } = aBatch([aMessage(1), aMessage(2)]);
    const running = sut.runBatch(payload);
    while (started === 0) await new Promise((resolve) => setImmediate(resolve));
    const drained = sut.drain(60_000);
    release();
    await drained;
    await running;
    expect(delivery.delivered.map((d) => d.next)).toEqual(['2']);
    expect(state.resolved).toEqual(['1']);
    expect(started).toBe(1);
  });

  it('asks kafkajs for a heartbeat four times per heartbeat interval while a chunk runs', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'performance'] });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const { sut } = setup(handlerOf(() => held));
      const { payload } = aBatch([aMessage(1)]);
      const running = sut.runBatch(payload);
      // kafkajs sends one only once its interval (1000 ms here) has passed: asked only once per interval, it sent
      // one every second time
      await jest.advanceTimersByTimeAsync(1000);
      expect(payload.heartbeat).toHaveBeenCalledTimes(4);
      release();
      await running;
    } finally {
      jest.useRealTimers();
    }
  });

  describe('on a busy event loop', () => {
    // a clock that moves 10 ms at every look: the handlers seem slow, deterministically
    let clock = 0;
    beforeEach(() => jest.spyOn(performance, 'now').mockImplementation(() => (clock += 10)));
    afterEach(() => jest.restoreAllMocks());

    it('lets timers run while synchronous handlers work through a long chunk', async () => {
      let handled = 0;
      let handledWhenTimerRan: number | undefined;
      const { sut, delivery } = setup(
        handlerOf((event) => {
          handled++;
          return outbound(Topics.AccessGeolocated, event as never);
        }),
      );
      setTimeout(() => (handledWhenTimerRan = handled), 0);
      await sut.runBatch(aBatch(Array.from({ length: 60 }, (_, i) => aMessage(i))).payload);
      expect(keysOf(delivery.delivered[0]!.output, OUT)).toHaveLength(60);
      expect(handledWhenTimerRan).toBeLessThan(60);
    });

    it("lets timers run while a batch handler's chunk is validated", async () => {
      let timerRan = false;
      let timerRanBeforeHandler: boolean | undefined;
      const { sut } = setup(
        handlerOf(
          () => {
            timerRanBeforeHandler = timerRan;
            return undefined;
          },
          { batch: true },
        ),
      );
      setTimeout(() => (timerRan = true), 0);
      await sut.runBatch(aBatch(Array.from({ length: 60 }, (_, i) => aMessage(i))).payload);
      expect(timerRanBeforeHandler).toBe(true);
    });
  });

  it('prepares (compiles the validators of) every topic without a message', () => {
    const { sut } = setup(forward());
    expect(() => sut.prepare()).not.toThrow();
  });

  it('a drain gives up on a chunk that does not finish in time (its offsets stay uncommitted)', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const handler = handlerOf(() => held);
    const { sut, delivery } = setup(handler);
    const { payload, state } = aBatch([aMessage(1)]);
    const running = sut.runBatch(payload);
    await sut.drain(50);
    expect(delivery.delivered).toEqual([]);
    expect(state.resolved).toEqual([]);
    release();
    await running;
  });
});
