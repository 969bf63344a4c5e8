/**
 * The kafkajs patch this repository carries (patches/kafkajs+2.2.4.patch, applied by patch-package on every npm
 * install): kafkajs's request queue, which every connection of every client has. Unpatched, a queue with nothing
 * pending re-arms a 1 ms timer for ever after its first response (kafkajs #1556, #1704): ~5 % of a core per idle
 * client on this machine (docs/performance.md). These tests fail on the unpatched file.
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
