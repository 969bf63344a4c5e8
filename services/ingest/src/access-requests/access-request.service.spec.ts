import { Topics, type AccessRequestedV1, type DecisionSectionV1 } from '@clearance/contracts';
import { ProblemException } from '@clearance/platform';
import { plainToInstance } from 'class-transformer';
import { DecisionBoard } from '../decisions/decision.board';
import { IdempotencyStore } from '../idempotency/idempotency.store';
import { AccessRequestBodyDto } from './access-request.dto';
import { AccessRequestService } from './access-request.service';
import type { RequestPublisher } from './request.publisher';

/** Records what would go to the broker; can be told to fail like an unreachable broker. */
class RecordingPublisher implements RequestPublisher {
  readonly calls: AccessRequestedV1[][] = [];
  failWith?: Error;
  onPublish?: (events: readonly AccessRequestedV1[]) => void;

  async publish(topic: string, events: readonly AccessRequestedV1[]): Promise<void> {
    expect(topic).toBe(Topics.AccessRequested);
    if (this.failWith) throw this.failWith;
    this.calls.push([...events]);
    this.onPublish?.(events);
  }
}

const plain = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  subject: { userId: 'user-1' },
  network: { ip: '203.0.113.10' },
  resource: { model: 'frontier-1', action: 'inference' },
  ...overrides,
});
const aBody = (overrides: Record<string, unknown> = {}): AccessRequestBodyDto =>
  plainToInstance(AccessRequestBodyDto, plain(overrides));

describe(AccessRequestService.name, () => {
  let publisher: RecordingPublisher;
  let board: DecisionBoard;
  let sut: AccessRequestService;

  beforeEach(() => {
    publisher = new RecordingPublisher();
    board = new DecisionBoard({ maxRecent: 100, recentTtlMs: 60_000 });
    sut = new AccessRequestService(
      publisher,
      new IdempotencyStore({ maxEntries: 100, ttlMs: 60_000 }),
      board,
    );
  });

  it('publishes one event and remembers the request as pending', async () => {
    const result = await sut.submit('gateway', aBody());

    expect(publisher.calls).toHaveLength(1);
    expect(publisher.calls[0]![0]!.requestId).toBe(result.requestId);
    expect(publisher.calls[0]![0]!.request.client).toBe('gateway');
    expect(board.lookup('gateway', result.requestId)).toEqual({ status: 'pending' });
  });

  it('answers a replay with the first request id and publishes nothing again', async () => {
    const first = await sut.submit('gateway', aBody(), { idempotencyKey: 'k1' });
    const second = await sut.submit('gateway', aBody(), { idempotencyKey: 'k1' });

    expect(second).toEqual({ requestId: first.requestId, replayed: true });
    expect(publisher.calls).toHaveLength(1);
  });

  it('treats the request id as the idempotency key', async () => {
    await sut.submit('gateway', aBody({ requestId: 'req-1' }));
    await expect(sut.submit('gateway', aBody({ requestId: 'req-1' }))).resolves.toMatchObject({
      replayed: true,
    });
    await expect(
      sut.submit('gateway', aBody({ requestId: 'req-1', resource: { model: 'other', action: 'inference' } })),
    ).rejects.toMatchObject({ status: 409 });
  });

  it('answers 503 with Retry-After when the broker fails, and lets the same key be retried', async () => {
    publisher.failWith = new Error('broker did not acknowledge within 5000 ms');
    const failure = await sut.submit('gateway', aBody(), { idempotencyKey: 'k1' }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ProblemException);
    expect((failure as ProblemException).getStatus()).toBe(503);
    expect((failure as ProblemException).headers).toEqual({ 'Retry-After': '5' });

    publisher.failWith = undefined;
    await expect(sut.submit('gateway', aBody(), { idempotencyKey: 'k1' })).resolves.toMatchObject({
      replayed: false,
    });
    expect(publisher.calls).toHaveLength(1);
  });

  it('returns the decision when it arrives while the caller waits', async () => {
    const decision = { outcome: 'allow' } as DecisionSectionV1;
    publisher.onPublish = (events) =>
      setImmediate(() => board.record({ requestId: events[0]!.requestId, client: 'gateway', decision }));

    const result = await sut.submit('gateway', aBody(), { waitMs: 5_000 });

    expect(result.decision?.decision).toBe(decision);
  });

  it('validates batch items one by one and publishes the valid ones in one call', async () => {
    const results = await sut.submitBatch('gateway', [
      plain({ requestId: 'a' }),
      plain({ network: { ip: 'nope' } }),
      'not an object',
      plain({ requestId: 'a' }),
      plain({ requestId: 'a', resource: { model: 'x', action: 'inference' } }),
      plain({ extra: 1 }),
    ]);

    expect(results.map((r) => r.status)).toEqual([202, 400, 400, 202, 409, 400]);
    expect(results[1]).toMatchObject({ problem: { errors: [{ field: 'network.ip' }] } });
    expect(results[5]).toMatchObject({ problem: { errors: [{ field: 'extra' }] } });
    expect(results[3]).toMatchObject({ requestId: 'a' });
    expect(publisher.calls).toHaveLength(1);
    expect(publisher.calls[0]).toHaveLength(1);
  });
});
