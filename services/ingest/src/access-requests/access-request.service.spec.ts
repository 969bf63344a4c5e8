import { Logger } from '@nestjs/common';
import { Topics, type AccessRequestedV1, type DecisionSectionV1 } from '@clearance/contracts';
import { BrokerUnavailableError, PublishOutcomeUnknownError } from '@clearance/kafka';
import { ProblemException } from '@clearance/platform';
import { plainToInstance } from 'class-transformer';
import { InMemoryClaimRepository } from '../../test/in-memory-claim.repository';
import type { AuditClient, AuditLookup } from '../decisions/audit.client';
import { DecisionBoard } from '../decisions/decision.board';
import { IdempotencyStore } from '../idempotency/idempotency.store';
import { AccessRequestBodyDto } from './access-request.dto';
import { AccessRequestService } from './access-request.service';
import type { RequestPublisher } from './request.publisher';

/** Records what would go to the broker; can fail like an unreachable broker, or lose the answer of a sent one. */
class RecordingPublisher implements RequestPublisher {
  readonly calls: AccessRequestedV1[][] = [];
  failWith?: Error;
  onPublish?: (events: readonly AccessRequestedV1[]) => void;

  async publish(topic: string, events: readonly AccessRequestedV1[]): Promise<void> {
    expect(topic).toBe(Topics.AccessRequested);
    if (this.failWith instanceof PublishOutcomeUnknownError) this.calls.push([...events]);
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

const WINDOW = 10_000;

async function problemOf(promise: Promise<unknown>): Promise<ProblemException> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProblemException)) throw new Error(`expected a ProblemException, got ${String(err)}`);
  return err;
}

const bodyOf = (p: ProblemException) => p.getResponse() as Record<string, unknown>;

describe(AccessRequestService.name, () => {
  let now: number;
  let publisher: RecordingPublisher;
  let board: DecisionBoard;
  let repository: InMemoryClaimRepository;
  let audit: { lookup: jest.Mock<Promise<AuditLookup>, [string, string]> };
  let sut: AccessRequestService;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    now = Date.now();
    publisher = new RecordingPublisher();
    board = new DecisionBoard({ maxRecent: 100, recentTtlMs: 60_000 });
    repository = new InMemoryClaimRepository();
    audit = {
      lookup: jest.fn(async (_client: string, _id: string) => ({ status: 'not-configured' }) as AuditLookup),
    };
    const store = new IdempotencyStore(repository, {
      ttlMs: 60_000,
      pendingWindowMs: WINDOW,
      purgeIntervalMs: 0,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        await new Promise((r) => setImmediate(r));
      },
    });
    sut = new AccessRequestService(publisher, store, board, audit as unknown as AuditClient);
  });

  afterEach(() => jest.restoreAllMocks());

  /** Lets the claims' window pass, as for a retry that comes after Retry-After. */
  const later = (ms = WINDOW) => {
    now += ms;
  };

  it('publishes one event and remembers the request as pending', async () => {
    const result = await sut.submit('gateway', aBody());

    expect(publisher.calls).toHaveLength(1);
    expect(publisher.calls[0]![0]!.requestId).toBe(result.requestId);
    expect(publisher.calls[0]![0]!.request.client).toBe('gateway');
    expect(board.lookup('gateway', result.requestId)).toEqual({ status: 'pending' });
    expect(repository.calls).toBe(0); // no key, no claim
  });

  it('answers a replay with the first request id and publishes nothing again', async () => {
    const first = await sut.submit('gateway', aBody(), { idempotencyKey: 'k1' });
    const second = await sut.submit('gateway', aBody(), { idempotencyKey: 'k1' });

    expect(second).toEqual({ requestId: first.requestId, replayed: true });
    expect(publisher.calls).toHaveLength(1);
  });

  it('publishes once for concurrent duplicates: the first claim wins, the others wait for its outcome', async () => {
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() => sut.submit('gateway', aBody(), { idempotencyKey: 'k1' })),
    );

    expect(new Set(answers.map((a) => a.requestId)).size).toBe(1);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
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

  it('binds a new key to the request that already holds the body requestId, and refuses another body', async () => {
    const first = await sut.submit('gateway', aBody({ requestId: 'req-1' }), { idempotencyKey: 'k1' });
    const second = await sut.submit('gateway', aBody({ requestId: 'req-1' }), { idempotencyKey: 'k2' });
    const third = await sut.submit('gateway', aBody({ requestId: 'req-1' }), { idempotencyKey: 'k2' });
    const other = problemOf(
      sut.submit('gateway', aBody({ requestId: 'req-1', subject: { userId: 'u2' } }), {
        idempotencyKey: 'k3',
      }),
    );

    expect([second, third]).toEqual([
      { requestId: first.requestId, replayed: true },
      { requestId: first.requestId, replayed: true },
    ]);
    expect((await other).getStatus()).toBe(409);
    expect(publisher.calls).toHaveLength(1);
  });

  it('answers 409 for the same key with another body', async () => {
    await sut.submit('gateway', aBody(), { idempotencyKey: 'k1' });
    const conflict = await problemOf(
      sut.submit('gateway', aBody({ subject: { userId: 'u2' } }), { idempotencyKey: 'k1' }),
    );
    expect(conflict.getStatus()).toBe(409);
  });

  it('answers "not accepted" when the event never left, and lets the same key publish on retry', async () => {
    publisher.failWith = new BrokerUnavailableError('withdrawn, never sent');
    const failure = await problemOf(sut.submit('gateway', aBody(), { idempotencyKey: 'k1' }));

    expect(failure.getStatus()).toBe(503);
    expect(failure.headers).toEqual({ 'Retry-After': '5' });
    expect(failure.message).toMatch(/not accepted/);
    expect(repository.claims.size).toBe(0);

    publisher.failWith = undefined;
    await expect(sut.submit('gateway', aBody(), { idempotencyKey: 'k1' })).resolves.toMatchObject({
      replayed: false,
    });
    expect(publisher.calls).toHaveLength(1);
  });

  describe('a publish whose outcome is unknown (issue 18)', () => {
    let acknowledge: (landed: boolean) => void;

    beforeEach(() => {
      publisher.failWith = new PublishOutcomeUnknownError(
        'broker did not acknowledge within 5000 ms a publish already sent',
        new Promise<boolean>((r) => (acknowledge = r)),
      );
    });

    it('answers 503 "outcome unknown" naming the requestId, and keeps the claim', async () => {
      const failure = await problemOf(sut.submit('gateway', aBody(), { idempotencyKey: 'k1' }));

      expect(failure.getStatus()).toBe(503);
      expect(failure.message).toMatch(/outcome is unknown.*same Idempotency-Key/);
      expect(bodyOf(failure)).toMatchObject({
        outcome: 'unknown',
        requestId: publisher.calls[0]![0]!.requestId,
      });
      expect(repository.claims.size).toBe(1);
    });

    it('answers a retry from the first attempt once its late acknowledgement came, publishing nothing', async () => {
      const failure = await problemOf(sut.submit('gateway', aBody(), { idempotencyKey: 'k1' }));
      publisher.failWith = undefined;
      acknowledge(true);
      await new Promise((r) => setImmediate(r));
      later();

      const retry = await sut.submit('gateway', aBody(), { idempotencyKey: 'k1' });

      expect(retry).toEqual({ requestId: bodyOf(failure)['requestId'], replayed: true });
      expect(publisher.calls).toHaveLength(1);
      expect(board.lookup('gateway', retry.requestId)).toEqual({ status: 'pending' });
    });

    it('answers a retry with the decision of the first attempt when one was seen, publishing nothing', async () => {
      const failure = await problemOf(sut.submit('gateway', aBody(), { idempotencyKey: 'k1' }));
      acknowledge(false);
      const requestId = bodyOf(failure)['requestId'] as string;
      const decision = { outcome: 'deny' } as DecisionSectionV1;
      board.record({ requestId, client: 'gateway', decision });
      publisher.failWith = undefined;
      later();

      const retry = await sut.submit('gateway', aBody(), { idempotencyKey: 'k1' });
      const waited = await sut.submit('gateway', aBody(), { idempotencyKey: 'k1', waitMs: 1000 });

      expect(retry).toEqual({ requestId, replayed: true });
      expect(waited.decision?.decision).toBe(decision);
      expect(publisher.calls).toHaveLength(1);
    });

    it('asks the audit store before sending again', async () => {
      const failure = await problemOf(sut.submit('gateway', aBody({ requestId: 'req-9' })));
      acknowledge(false);
      audit.lookup.mockResolvedValue({ status: 'pending' });
      publisher.failWith = undefined;
      later();

      await expect(sut.submit('gateway', aBody({ requestId: 'req-9' }))).resolves.toEqual({
        requestId: 'req-9',
        replayed: true,
      });
      expect(bodyOf(failure)['requestId']).toBe('req-9');
      expect(audit.lookup).toHaveBeenCalledWith('gateway', 'req-9');
      expect(publisher.calls).toHaveLength(1);
    });

    it('sends the very same event again when nothing shows it landed, then answers replays from it', async () => {
      await problemOf(sut.submit('gateway', aBody(), { idempotencyKey: 'k1' }));
      acknowledge(false);
      publisher.failWith = undefined;
      later();

      const retry = await sut.submit('gateway', aBody(), { idempotencyKey: 'k1' });
      await new Promise((r) => setImmediate(r));
      const again = await sut.submit('gateway', aBody(), { idempotencyKey: 'k1' });

      expect(publisher.calls).toHaveLength(2);
      expect(publisher.calls[1]).toEqual(publisher.calls[0]); // same ids, same time: one event downstream
      expect(retry).toEqual({ requestId: publisher.calls[0]![0]!.requestId, replayed: true });
      expect(again).toEqual(retry);
    });

    it('keeps the claim while a retry cannot reach the broker either', async () => {
      await problemOf(sut.submit('gateway', aBody(), { idempotencyKey: 'k1' }));
      acknowledge(false);
      publisher.failWith = new BrokerUnavailableError('withdrawn, never sent');
      later();

      const retry = await problemOf(sut.submit('gateway', aBody(), { idempotencyKey: 'k1' }));

      expect(retry.message).toMatch(/outcome is unknown/);
      expect(repository.claims.size).toBe(1);
    });

    it('tells a caller without any key how to find out', async () => {
      const failure = await problemOf(sut.submit('gateway', aBody()));
      expect(failure.message).toMatch(/GET \/v1\/access-requests\/.*Idempotency-Key/);
    });

    it('answers a batch with the requestIds whose outcome is unknown', async () => {
      const failure = await problemOf(sut.submitBatch('gateway', [plain({ requestId: 'b1' }), plain()]));

      expect(failure.getStatus()).toBe(503);
      expect(bodyOf(failure)).toMatchObject({
        outcome: 'unknown',
        requests: [
          { index: 0, requestId: 'b1' },
          { index: 1, requestId: expect.any(String) },
        ],
      });
      expect(repository.claims.size).toBe(1);
    });
  });

  it('answers 503 and publishes nothing for a keyed request while the claims cannot be written', async () => {
    repository.failNext = new Error('connect ECONNREFUSED');
    const failure = await problemOf(sut.submit('gateway', aBody(), { idempotencyKey: 'k1' }));

    expect(failure.getStatus()).toBe(503);
    expect(failure.message).toMatch(/not accepted: its idempotency key could not be checked/);
    expect(publisher.calls).toHaveLength(0);
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

  it('answers batch items whose requestId an earlier request holds from that request', async () => {
    await sut.submit('gateway', aBody({ requestId: 'a' }));
    await new Promise((r) => setImmediate(r));

    const results = await sut.submitBatch('gateway', [
      plain({ requestId: 'a' }),
      plain({ requestId: 'a', subject: { userId: 'other' } }),
      plain({ requestId: 'b' }),
    ]);

    expect(results.map((r) => r.status)).toEqual([202, 409, 202]);
    expect(publisher.calls.map((c) => c.map((e) => e.requestId))).toEqual([['a'], ['b']]);
  });
});
