import { Inject, Injectable, Logger } from '@nestjs/common';
import { Topics, type AccessRequestedV1 } from '@clearance/contracts';
import { ProblemException } from '@clearance/platform';
import { DecisionBoard } from '../decisions/decision.board';
import type { DecisionRecord } from '../decisions/decision.view';
import { problemBody, type ProblemBody } from '../http/problem.body';
import { bodyFingerprint } from '../idempotency/body.fingerprint';
import { IdempotencyStore, type IdempotencyClaim } from '../idempotency/idempotency.store';
import type { AccessRequestBodyDto } from './access-request.dto';
import { validateBatchItem } from './batch-item.validator';
import { REQUEST_PUBLISHER, type RequestPublisher } from './request.publisher';
import { requestedEvent, requestIdentity } from './requested-event.factory';

/** Seconds a caller should wait before retrying after the broker did not acknowledge. */
export const BROKER_RETRY_AFTER_SECONDS = 5;

export interface SubmitOptions {
  idempotencyKey?: string;
  /** Wait up to this long for the decision (registered before publishing). */
  waitMs?: number;
}

export interface SubmitResult {
  requestId: string;
  /** The idempotency key was seen before with the same body: nothing was published this time. */
  replayed: boolean;
  decision?: DecisionRecord;
}

export type BatchItemResult =
  { index: number; status: 202; requestId: string } | { index: number; status: number; problem: ProblemBody };

export function brokerUnavailable(err: unknown): ProblemException {
  return new ProblemException(
    503,
    `the request was not accepted: the event broker did not acknowledge (${(err as Error).message})`,
    { 'Retry-After': String(BROKER_RETRY_AFTER_SECONDS) },
  );
}

const CONFLICT_DETAIL = 'this idempotency key was already used with a different request body';
const REQUEST_ID_CONFLICT_DETAIL = 'this requestId was already used with a different request body';

type NewClaim = Extract<IdempotencyClaim<string>, { kind: 'new' }>;

/**
 * Accepts access requests: idempotency, the `access.requested.v1` event, publishing (acknowledged by the broker
 * before anything is answered), and the optional wait for the decision.
 */
@Injectable()
export class AccessRequestService {
  private readonly logger = new Logger(AccessRequestService.name);

  constructor(
    @Inject(REQUEST_PUBLISHER) private readonly publisher: RequestPublisher,
    private readonly idempotency: IdempotencyStore<string>,
    private readonly board: DecisionBoard,
  ) {}

  async submit(
    client: string,
    body: AccessRequestBodyDto,
    options: SubmitOptions = {},
  ): Promise<SubmitResult> {
    const fingerprint = bodyFingerprint(body);
    const keyClaim =
      options.idempotencyKey !== undefined
        ? this.idempotency.claim(scoped(client, 'key', options.idempotencyKey), fingerprint)
        : undefined;
    if (keyClaim?.kind === 'conflict') throw new ProblemException(409, CONFLICT_DETAIL);
    if (keyClaim?.kind === 'replay') return this.replay(client, keyClaim.result, options.waitMs);
    // keyClaim is new (or absent) from here on: every path below settles it.
    const idClaim =
      body.requestId !== undefined
        ? this.idempotency.claim(scoped(client, 'request', body.requestId), fingerprint)
        : undefined;
    if (idClaim?.kind === 'conflict') {
      keyClaim?.fail(new Error('requestId conflict'));
      throw new ProblemException(409, REQUEST_ID_CONFLICT_DETAIL);
    }
    if (idClaim?.kind === 'replay') {
      // Same body under another key: the request that already has this id answers; nothing is published.
      let requestId: string;
      try {
        requestId = await idClaim.result;
      } catch (err) {
        keyClaim?.fail(err);
        throw brokerUnavailable(err);
      }
      keyClaim?.complete(requestId);
      return this.replay(client, Promise.resolve(requestId), options.waitMs);
    }
    const claims = [keyClaim, idClaim].filter((c): c is NewClaim => c !== undefined);

    let ids: ReturnType<typeof requestIdentity>;
    let waiting: ReturnType<DecisionBoard['wait']> | undefined;
    try {
      ids = requestIdentity(client, body, options.idempotencyKey);
      waiting = options.waitMs ? this.board.wait(client, ids.requestId, options.waitMs) : undefined;
      await this.publisher.publish(Topics.AccessRequested, [requestedEvent(body, client, ids)]);
    } catch (err) {
      waiting?.cancel();
      for (const c of claims) c.fail(err);
      this.logger.warn({
        msg: 'publish failed',
        requestId: body.requestId ?? options.idempotencyKey,
        err: (err as Error).message,
      });
      throw brokerUnavailable(err);
    }
    this.board.markAccepted(client, ids.requestId);
    for (const c of claims) c.complete(ids.requestId);
    const decision = waiting ? await waiting.decision : undefined;
    return { requestId: ids.requestId, replayed: false, ...(decision ? { decision } : {}) };
  }

  private async replay(
    client: string,
    result: Promise<string>,
    waitMs: number | undefined,
  ): Promise<SubmitResult> {
    const requestId = await result.catch((err: unknown) => {
      throw brokerUnavailable(err);
    });
    return { requestId, replayed: true, ...(await this.awaitDecision(client, requestId, waitMs)) };
  }

  /**
   * Validates each item on its own, publishes every new valid one in one call, and answers per item. A broker
   * failure fails the whole call (503): no item is accepted then.
   */
  async submitBatch(client: string, items: readonly unknown[]): Promise<BatchItemResult[]> {
    const results: BatchItemResult[] = new Array(items.length);
    const valid: { index: number; body: AccessRequestBodyDto }[] = [];
    items.forEach((item, index) => {
      const validation = validateBatchItem(item);
      if (validation.ok) valid.push({ index, body: validation.body });
      else {
        const detail = validation.errors.map((e) => `${e.field || 'request'}: ${e.message}`).join('; ');
        results[index] = { index, status: 400, problem: problemBody(400, detail, validation.errors) };
      }
    });

    const fresh: { index: number; requestId: string; claim?: NewClaim }[] = [];
    const replays: { index: number; result: Promise<string> }[] = [];
    const events: AccessRequestedV1[] = [];
    const now = new Date();
    try {
      for (const { index, body } of valid) {
        const claim =
          body.requestId !== undefined
            ? this.idempotency.claim(scoped(client, 'request', body.requestId), bodyFingerprint(body))
            : undefined;
        if (claim?.kind === 'conflict') {
          results[index] = { index, status: 409, problem: problemBody(409, REQUEST_ID_CONFLICT_DETAIL) };
          continue;
        }
        if (claim?.kind === 'replay') {
          replays.push({ index, result: claim.result });
          continue;
        }
        // Claimed before the event is built: if building throws, the catch below releases the claim.
        const entry: (typeof fresh)[number] = { index, requestId: '', ...(claim ? { claim } : {}) };
        fresh.push(entry);
        const ids = requestIdentity(client, body, undefined);
        entry.requestId = ids.requestId;
        events.push(requestedEvent(body, client, ids, now));
      }
      if (events.length > 0) await this.publisher.publish(Topics.AccessRequested, events);
    } catch (err) {
      for (const f of fresh) f.claim?.fail(err);
      this.logger.warn({ msg: 'batch publish failed', events: events.length, err: (err as Error).message });
      throw brokerUnavailable(err);
    }
    for (const f of fresh) {
      this.board.markAccepted(client, f.requestId);
      f.claim?.complete(f.requestId);
      results[f.index] = { index: f.index, status: 202, requestId: f.requestId };
    }
    for (const r of replays) {
      try {
        results[r.index] = { index: r.index, status: 202, requestId: await r.result };
      } catch (err) {
        const problem = brokerUnavailable(err);
        results[r.index] = { index: r.index, status: 503, problem: problemBody(503, problem.message) };
      }
    }
    return results;
  }

  private async awaitDecision(
    client: string,
    requestId: string,
    waitMs: number | undefined,
  ): Promise<{ decision?: DecisionRecord }> {
    if (!waitMs) return {};
    const decision = await this.board.wait(client, requestId, waitMs).decision;
    return decision ? { decision } : {};
  }
}

/** Header keys and request ids live in separate name spaces of one client: a key never collides with an id. */
function scoped(client: string, kind: 'key' | 'request', key: string): string {
  return `${client}\u0000${kind}\u0000${key}`;
}
