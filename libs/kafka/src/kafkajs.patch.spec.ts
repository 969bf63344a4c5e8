/**
 * The kafkajs patch this repository carries (patches/kafkajs+2.2.4.patch, applied by patch-package on every npm
 * install). Two changes:
 * - kafkajs's request queue, which every connection of every client has. Unpatched, a queue with nothing pending
 *   re-arms a 1 ms timer for ever after its first response (kafkajs #1556, #1704): ~5 % of a core per idle client on
 *   this machine (docs/performance.md).
 * - TxnOffsetCommit v2 and v3 (KIP-447): `transaction.sendOffsets` takes the consumer's `generationId` and
 *   `memberId` and sends them, so that the group coordinator refuses a zombie's offsets; GROUP_JOIN reports the
 *   generation. Unpatched kafkajs has only v0/v1, which carry neither. The integration test
 *   test/integration/zombie-fencing.test.ts shows it against the real broker.
 * These tests fail on the unpatched files.
 */
// kafkajs's request queue is internal: no types, reached by its path in the pinned 2.2.4
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => Queue;

interface Queue {
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  push(request: {
    entry: { correlationId: number; resolve: () => void; reject: (e: unknown) => void };
    expectResponse: boolean;
    sendRequest: () => void;
  }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

const quiet = {
  debug: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  info: () => undefined,
};

function aQueue(): { sut: Queue; sent: number[]; answer: (id: number) => void } {
  const sut = new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 10_000,
    enforceRequestTimeout: false,
    clientId: 'spec',
    broker: '127.0.0.1:9092',
    logger: quiet,
  });
  const sent: number[] = [];
  const answer = (correlationId: number) =>
    sut.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 });
  return { sut, sent, answer };
}

function push(q: ReturnType<typeof aQueue>, correlationId: number): void {
  q.sut.push({
    entry: { correlationId, resolve: () => undefined, reject: () => undefined },
    expectResponse: true,
    sendRequest: () => q.sent.push(correlationId),
  });
}

describe('kafkajs request queue (patched)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('arms no timer once a request is answered and nothing is pending', () => {
    const q = aQueue();
    push(q, 1);
    q.answer(1);
    expect(q.sut.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
    q.sut.destroy();
  });

  it('still sends a request queued behind the one in flight when that one is answered', () => {
    const q = aQueue();
    push(q, 1);
    push(q, 2);
    expect(q.sent).toEqual([1]);
    q.answer(1);
    expect(q.sent).toEqual([1, 2]);
    q.answer(2);
    // the check the queued request scheduled runs once, finds nothing and arms no other
    jest.advanceTimersByTime(20);
    expect(jest.getTimerCount()).toBe(0);
    q.sut.destroy();
  });

  it('sends a request queued while throttled once the throttle ends', () => {
    const q = aQueue();
    push(q, 1);
    q.sut.maybeThrottle(50);
    q.answer(1);
    push(q, 2);
    expect(q.sent).toEqual([1]);
    jest.advanceTimersByTime(60);
    expect(q.sent).toEqual([1, 2]);
    q.answer(2);
    jest.advanceTimersByTime(100);
    expect(jest.getTimerCount()).toBe(0);
    q.sut.destroy();
  });
});

// kafkajs's protocol modules are internal as well
interface EncodedRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<{ buffer: Buffer }>;
}
interface TxnOffsetCommitArgs {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
}
interface TxnOffsetCommitProtocol {
  request: EncodedRequest;
  response: { decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TxnOffsetCommit = require('kafkajs/src/protocol/requests/txnOffsetCommit') as {
  versions: string[];
  protocol(v: { version: number }): (args: TxnOffsetCommitArgs) => TxnOffsetCommitProtocol;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lookup } = require('kafkajs/src/protocol/requests') as {
  lookup(
    versions: Record<number, { minVersion: number; maxVersion: number }>,
  ): (
    apiKey: number,
    definition: typeof TxnOffsetCommit,
  ) => (args: TxnOffsetCommitArgs) => TxnOffsetCommitProtocol;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createRequest = require('kafkajs/src/protocol/request') as (r: {
  correlationId: number;
  clientId: string;
  request: EncodedRequest;
}) => Promise<{ buffer: Buffer }>;

const TXN_OFFSET_COMMIT = 28;

const commit: TxnOffsetCommitArgs = {
  transactionalId: 'tx',
  groupId: 'g',
  producerId: 1,
  producerEpoch: 2,
  generationId: 5,
  memberId: 'm-1',
  topics: [{ topic: 't', partitions: [{ partition: 0, offset: '42' }] }],
};

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string) => Buffer.from(s, 'utf8').toString('hex');

describe('kafkajs TxnOffsetCommit v3 (patched, KIP-447)', () => {
  it('is the version negotiated with a broker that accepts it (Kafka 4.4 answers 0-6)', () => {
    const v = (maxVersion: number) =>
      lookup({ [TXN_OFFSET_COMMIT]: { minVersion: 0, maxVersion } })(TXN_OFFSET_COMMIT, TxnOffsetCommit)(
        commit,
      ).request.apiVersion;
    expect(TxnOffsetCommit.versions).toEqual(['0', '1', '2', '3']);
    expect(v(6)).toBe(3);
    expect(v(3)).toBe(3);
    expect(v(2)).toBe(2);
    expect(v(1)).toBe(1);
  });

  it('encodes the body as TxnOffsetCommitRequest.json says for v3: compact strings and arrays, tagged fields', async () => {
    const { request } = TxnOffsetCommit.protocol({ version: 3 })(commit);
    expect(request).toMatchObject({ apiKey: TXN_OFFSET_COMMIT, apiVersion: 3 });
    const { buffer } = await request.encode();
    expect(buffer.toString('hex')).toBe(
      hex(`
        00
        03 ${str('tx')}
        02 ${str('g')}
        0000000000000001
        0002
        00000005
        04 ${str('m-1')}
        00
        02
          02 ${str('t')}
          02
            00000000
            000000000000002a
            ffffffff
            00
            00
          00
        00
      `).toString('hex'),
    );
  });

  it('frames it with request header v2: the v1 header, then its (empty) tagged fields', async () => {
    const { request } = TxnOffsetCommit.protocol({ version: 3 })(commit);
    const { buffer } = await createRequest({ correlationId: 9, clientId: 'c', request });
    const body = (await request.encode()).buffer;
    const header = hex(`001c 0003 00000009 0001 ${str('c')}`);
    expect(buffer.readInt32BE(0)).toBe(header.length + body.length);
    expect(buffer.subarray(4, 4 + header.length)).toEqual(header);
    // the body starts with the header's tagged fields (0: none), as kafkajs's other flexible requests do
    expect(buffer.subarray(4 + header.length)).toEqual(body);
    expect(body[0]).toBe(0);
  });

  it('without group metadata sends generation -1 and member "", which the coordinator accepts as v0-2 do', async () => {
    const { generationId: _g, memberId: _m, ...plain } = commit;
    const { buffer } = await TxnOffsetCommit.protocol({ version: 3 })(plain).request.encode();
    const afterEpoch = 1 + 3 + 2 + 8 + 2;
    expect(buffer.subarray(afterEpoch, afterEpoch + 6)).toEqual(hex('ffffffff 01 00'));
  });

  it('decodes the v3 response and turns a fenced partition into ILLEGAL_GENERATION', async () => {
    const { response } = TxnOffsetCommit.protocol({ version: 3 })(commit);
    const raw = hex(`00 00000000 02 02 ${str('t')} 02 00000000 0016 00 00 00`);
    const decoded = await response.decode(raw);
    expect(decoded).toMatchObject({
      topics: [{ topic: 't', partitions: [{ partition: 0, errorCode: 22 }] }],
    });
    await expect(response.parse(decoded)).rejects.toMatchObject({
      name: 'KafkaJSProtocolError',
      type: 'ILLEGAL_GENERATION',
    });
    const ok = await response.decode(hex(`00 00000000 02 02 ${str('t')} 02 00000000 0000 00 00 00`));
    await expect(response.parse(ok)).resolves.toBe(ok);
  });

  it('encodes v2 with the committed leader epoch (-1) and v0 strings', async () => {
    const { buffer } = await TxnOffsetCommit.protocol({ version: 2 })(commit).request.encode();
    expect(buffer.toString('hex')).toBe(
      hex(`
        0002 ${str('tx')} 0001 ${str('g')} 0000000000000001 0002
        00000001 0001 ${str('t')} 00000001 00000000 000000000000002a ffffffff ffff
      `).toString('hex'),
    );
  });
});
