import { Inject, Injectable, Logger } from '@nestjs/common';
import { Topics, type AccessRequestedV1 } from '@clearance/contracts';
import { PublishOutcomeUnknownError } from '@clearance/kafka';
import { ProblemException } from '@clearance/platform';
import { AuditClient } from '../decisions/audit.client';
import { DecisionBoard } from '../decisions/decision.board';
import type { DecisionRecord } from '../decisions/decision.view';
import { problemBody, type ProblemBody } from '../http/problem.body';
import { bodyFingerprint } from '../idempotency/body.fingerprint';
import type { ClaimDoc } from '../idempotency/idempotency-claim.schema';
import {
  claimId,
  IdempotencyStore,
  IdempotencyUnavailableError,
  type Settled,
} from '../idempotency/idempotency.store';
import type { AccessRequestBodyDto } from './access-request.dto';
import { validateBatchItem } from './batch-item.validator';
import { REQUEST_PUBLISHER, type RequestPublisher } from './request.publisher';
import { requestedEvent, requestIdentity, type RequestIdentity } from './requested-event.factory';

/** Seconds a caller should wait before retrying after the broker did not acknowledge. */
export const BROKER_RETRY_AFTER_SECONDS = 5;
/** A claim that keeps changing hands (expired, released) this often is answered 503 instead of chased. */
const MAX_CLAIM_ATTEMPTS = 3;

export interface SubmitOptions {
  idempotencyKey?: string;
  /** Wait up to this long for the decision (registered before publishing). */
  waitMs?: number;
}

export interface SubmitResult {
  requestId: string;
  /** The idempotency key was seen before with the same body: this call did not create a request. */
  replayed: boolean;
  decision?: DecisionRecord;
}

export type BatchItemResult =
  { index: number; status: 202; requestId: string } | { index: number; status: number; problem: ProblemBody };

const retryAfter = { 'Retry-After': String(BROKER_RETRY_AFTER_SECONDS) };

/** The event never left this process: the request was not accepted, and a retry publishes it anew. */
export function brokerUnavailable(err: unknown): ProblemException {
  return new ProblemException(
    503,
    `the request was not accepted: the event broker did not acknowledge (${(err as Error).message})`,
    retryAfter,
  );
}

/**
 * The event was sent and not acknowledged: it may still be decided (issue 18). The answer says so and names the
 * requestId; with a key, a retry finds this attempt and never creates a second request.
 */
export function outcomeUnknown(requestId: string, err: unknown, keyed: boolean): ProblemException {
  const how = keyed
    ? 'retry with the same Idempotency-Key (or requestId) and body: the retry finds this attempt and answers ' +
      'its requestId (and decision), never a second request'
    : `GET /v1/access-requests/${requestId} tells whether it was accepted; send an Idempotency-Key (or a requestId) ` +
      'so that a retry can find the first attempt';
  return new ProblemException(
    503,
    `the outcome is unknown: the event broker did not acknowledge an event already sent, so it may still be ` +
      `decided (${(err as Error).message}); ${how}`,
    retryAfter,
    { requestId, outcome: 'unknown' },
  );
}

function idempotencyUnavailable(err: unknown): ProblemException {
  return new ProblemException(
    503,
    `the request was not accepted: its idempotency key could not be checked (${(err as Error).message})`,
    retryAfter,
  );
}

const CONFLICT_DETAIL = 'this idempotency key was already used with a different request body';
const REQUEST_ID_CONFLICT_DETAIL = 'this requestId was already used with a different request body';

interface Fresh {
  index: number;
  body: AccessRequestBodyDto;
  ids: RequestIdentity;
  claim?: ClaimDoc;
}

/**
 * Accepts access requests: idempotency (claims shared by all replicas, in MongoDB), the `access.requested.v1`
 * event, publishing (acknowledged by the broker before anything is answered), and the optional wait for the
 * decision.
 */
@Injectable()
export class AccessRequestService {
  private readonly logger = new Logger(AccessRequestService.name);

  constructor(
    @Inject(REQUEST_PUBLISHER) private readonly publisher: RequestPublisher,
    private readonly idempotency: IdempotencyStore,
    private readonly board: DecisionBoard,
    private readonly audit: AuditClient,
  ) {}

  async submit(
    client: string,
    body: AccessRequestBodyDto,
    options: SubmitOptions = {},
  ): Promise<SubmitResult> {
    const key = options.idempotencyKey;
    if (key === undefined && body.requestId === undefined)
      return this.publishNew(client, body, requestIdentity(client, body, undefined), new Date(), [], options);
    const fingerprint = bodyFingerprint(body);
    const keyClaimId = key !== undefined ? claimId(client, 'key', key) : undefined;
    const requestClaimId =
      body.requestId !== undefined ? claimId(client, 'request', body.requestId) : undefined;

    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const now = new Date();
      const ids = requestIdentity(client, body, key, now);
      const keyDraft =
        keyClaimId !== undefined ? this.idempotency.draft(keyClaimId, fingerprint, ids, now) : undefined;
      const requestDraft =
        requestClaimId !== undefined
          ? this.idempotency.draft(requestClaimId, fingerprint, ids, now)
          : undefined;
      const drafts = [keyDraft, requestDraft].filter((d): d is ClaimDoc => d !== undefined);
      let held: boolean[];
      try {
        held = await this.idempotency.claim(drafts);
      } catch (err) {
        throw idempotencyUnavailable(err);
      }
      const keyHeld = keyDraft !== undefined && held[0] === true;
      const requestHeld = requestDraft !== undefined && held[drafts.length - 1] === true;

      if (keyDraft !== undefined && !keyHeld) {
        // the key names an earlier request: that one answers, and a request id claim we just took goes back
        if (requestHeld) await this.idempotency.release([requestDraft!]);
        const answer = await this.answerExisting(
          client,
          body,
          keyClaimId!,
          fingerprint,
          CONFLICT_DETAIL,
          [],
          options,
        );
        if (answer) return answer;
        continue;
      }
      if (requestDraft !== undefined && !requestHeld) {
        // same body under another key (or none): the request that holds this id answers; another body is a 409
        let settled: Settled;
        try {
          settled = await this.idempotency.settle(requestClaimId!, fingerprint);
          if (settled.kind !== 'accepted' && settled.kind !== 'unknown') {
            if (keyDraft) await this.idempotency.release([keyDraft]);
            if (settled.kind === 'conflict') throw new ProblemException(409, REQUEST_ID_CONFLICT_DETAIL);
            continue;
          }
          const bound = keyDraft ? [await this.idempotency.rebind(keyDraft, settled.claim)] : [];
          return await this.answerSettled(client, body, settled, bound, options);
        } catch (err) {
          if (err instanceof IdempotencyUnavailableError) throw idempotencyUnavailable(err);
          throw err;
        }
      }
      return this.publishNew(client, body, ids, now, drafts, options);
    }
    throw new ProblemException(
      503,
      'the request was not accepted: its idempotency key changed hands while it was checked; retry',
      retryAfter,
    );
  }

  /** Publishes a request whose claims (if any) this call holds; settles the claims by the outcome. */
  private async publishNew(
    client: string,
    body: AccessRequestBodyDto,
    ids: RequestIdentity,
    now: Date,
    claims: ClaimDoc[],
    options: SubmitOptions,
  ): Promise<SubmitResult> {
    let waiting: ReturnType<DecisionBoard['wait']> | undefined;
    try {
      waiting = options.waitMs ? this.board.wait(client, ids.requestId, options.waitMs) : undefined;
      await this.publisher.publish(Topics.AccessRequested, [requestedEvent(body, client, ids, now)]);
    } catch (err) {
      waiting?.cancel();
      throw await this.publishFailed(
        err,
        client,
        [ids.requestId],
        claims,
        body.requestId ?? options.idempotencyKey,
      );
    }
    this.board.markAccepted(client, ids.requestId);
    this.idempotency.accepted(claims);
    const decision = waiting ? await waiting.decision : undefined;
    return { requestId: ids.requestId, replayed: false, ...(decision ? { decision } : {}) };
  }

  /**
   * The answer to a failed publish. Never sent: the claims go, "not accepted". Sent: the claims stay (a retry finds
   * them), "outcome unknown", and a late acknowledgement is still recorded.
   */
  private async publishFailed(
    err: unknown,
    client: string,
    requestIds: readonly string[],
    claims: readonly ClaimDoc[],
    logKey: string | undefined,
  ): Promise<ProblemException> {
    const unknown = err instanceof PublishOutcomeUnknownError;
    this.logger.warn({
      msg: unknown ? 'publish outcome unknown' : 'publish failed',
      requestId: logKey,
      events: requestIds.length,
      err: (err as Error).message,
    });
    if (!unknown) {
      await this.idempotency.release(claims);
      return brokerUnavailable(err);
    }
    void err.acknowledged.then((landed) => {
      if (!landed) return;
      for (const id of requestIds) this.board.markAccepted(client, id);
      this.idempotency.accepted(claims);
    });
    return outcomeUnknown(requestIds[0]!, err, claims.length > 0);
  }

  /** Answers from the claim another request holds for this key; undefined: the claim is gone, claim it again. */
  private async answerExisting(
    client: string,
    body: AccessRequestBodyDto,
    id: string,
    fingerprint: string,
    conflictDetail: string,
    alsoClaims: ClaimDoc[],
    options: SubmitOptions,
  ): Promise<SubmitResult | undefined> {
    let settled: Settled;
    try {
      settled = await this.idempotency.settle(id, fingerprint);
    } catch (err) {
      throw idempotencyUnavailable(err);
    }
    if (settled.kind === 'vanished') return undefined;
    if (settled.kind === 'conflict') throw new ProblemException(409, conflictDetail);
    return this.answerSettled(client, body, settled, alsoClaims, options);
  }

  private async answerSettled(
    client: string,
    body: AccessRequestBodyDto,
    settled: Extract<Settled, { kind: 'accepted' | 'unknown' }>,
    alsoClaims: ClaimDoc[],
    options: SubmitOptions,
  ): Promise<SubmitResult> {
    const { claim } = settled;
    if (settled.kind === 'accepted' || (await this.landed(client, claim.requestId))) {
      this.idempotency.accepted(settled.kind === 'accepted' ? alsoClaims : [claim, ...alsoClaims]);
      return this.replay(client, claim.requestId, options.waitMs);
    }
    // Unknown whether the first attempt's event is on the topic: send that very event again (same ids, same
    // time, same body). If both land, downstream sees one event twice and keeps it once (by ce_id).
    const ids = { requestId: claim.requestId, eventId: claim.eventId };
    const waiting = options.waitMs ? this.board.wait(client, ids.requestId, options.waitMs) : undefined;
    try {
      await this.publisher.publish(Topics.AccessRequested, [
        requestedEvent(body, client, ids, claim.eventTime),
      ]);
    } catch (err) {
      waiting?.cancel();
      this.logger.warn({ msg: 'resend failed', requestId: ids.requestId, err: (err as Error).message });
      if (err instanceof PublishOutcomeUnknownError)
        void err.acknowledged.then((landed) => {
          if (!landed) return;
          this.board.markAccepted(client, ids.requestId);
          this.idempotency.accepted([claim, ...alsoClaims]);
        });
      // sent or not this time, the first attempt's outcome is still unknown: the claims stay
      throw outcomeUnknown(ids.requestId, err, true);
    }
    this.board.markAccepted(client, ids.requestId);
    this.idempotency.accepted([claim, ...alsoClaims]);
    const decision = waiting ? await waiting.decision : undefined;
    return { requestId: ids.requestId, replayed: true, ...(decision ? { decision } : {}) };
  }

  /** Evidence that an unacknowledged event landed: a decision (or our own acceptance) seen here, or the audit store. */
  private async landed(client: string, requestId: string): Promise<boolean> {
    if (this.board.lookup(client, requestId) !== undefined) return true;
    try {
      const stored = await this.audit.lookup(client, requestId);
      return stored.status === 'decided' || stored.status === 'pending';
    } catch {
      return false;
    }
  }

  private async replay(client: string, requestId: string, waitMs: number | undefined): Promise<SubmitResult> {
    return { requestId, replayed: true, ...(await this.awaitDecision(client, requestId, waitMs)) };
  }

  /**
   * Validates each item on its own, publishes every new valid one in one call, and answers per item. A broker
   * failure fails the whole call (503): no new item is accepted then (or, if the events were sent, their outcome
   * is unknown and the answer names their requestIds).
   */
  async submitBatch(client: string, items: readonly unknown[]): Promise<BatchItemResult[]> {
    const results: BatchItemResult[] = new Array(items.length);
    const fresh: Fresh[] = [];
    const sameAs: { index: number; of: number }[] = [];
    const firstWithId = new Map<string, { index: number; fingerprint: string }>();
    const now = new Date();
    items.forEach((item, index) => {
      const validation = validateBatchItem(item);
      if (!validation.ok) {
        const detail = validation.errors.map((e) => `${e.field || 'request'}: ${e.message}`).join('; ');
        results[index] = { index, status: 400, problem: problemBody(400, detail, validation.errors) };
        return;
      }
      const body = validation.body;
      const ids = requestIdentity(client, body, undefined, now);
      if (body.requestId === undefined) {
        fresh.push({ index, body, ids });
        return;
      }
      const id = claimId(client, 'request', body.requestId);
      const fingerprint = bodyFingerprint(body);
      const first = firstWithId.get(id);
      if (first !== undefined) {
        // the same id twice in one batch: one request, or a 409 for the other body
        if (first.fingerprint === fingerprint) sameAs.push({ index, of: first.index });
        else results[index] = { index, status: 409, problem: problemBody(409, REQUEST_ID_CONFLICT_DETAIL) };
        return;
      }
      firstWithId.set(id, { index, fingerprint });
      fresh.push({ index, body, ids, claim: this.idempotency.draft(id, fingerprint, ids, now) });
    });

    const claimed = fresh.filter((f) => f.claim !== undefined);
    let held: boolean[] = [];
    if (claimed.length > 0) {
      try {
        held = await this.idempotency.claim(claimed.map((f) => f.claim!));
      } catch (err) {
        throw idempotencyUnavailable(err);
      }
    }
    // items whose requestId another request holds are answered like a single request with that id, afterwards
    const existing = new Set(claimed.filter((_, i) => !held[i]));
    const toPublish = fresh.filter((f) => !existing.has(f));
    const claims = toPublish.flatMap((f) => (f.claim ? [f.claim] : []));
    if (toPublish.length > 0) {
      try {
        await this.publisher.publish(
          Topics.AccessRequested,
          toPublish.map((f): AccessRequestedV1 => requestedEvent(f.body, client, f.ids, now)),
        );
      } catch (err) {
        const requestIds = toPublish.map((f) => f.ids.requestId);
        const problem = await this.publishFailed(err, client, requestIds, claims, undefined);
        if (err instanceof PublishOutcomeUnknownError)
          throw new ProblemException(problem.getStatus(), problem.message, retryAfter, {
            outcome: 'unknown',
            requests: toPublish.map((f) => ({ index: f.index, requestId: f.ids.requestId })),
          });
        throw problem;
      }
      for (const f of toPublish) {
        this.board.markAccepted(client, f.ids.requestId);
        results[f.index] = { index: f.index, status: 202, requestId: f.ids.requestId };
      }
      this.idempotency.accepted(claims);
    }
    await Promise.all(
      [...existing].map(async (f) => {
        try {
          const r = await this.submit(client, f.body);
          results[f.index] = { index: f.index, status: 202, requestId: r.requestId };
        } catch (err) {
          if (!(err instanceof ProblemException)) throw err;
          results[f.index] = {
            index: f.index,
            status: err.getStatus(),
            problem: problemBody(err.getStatus(), err.message),
          };
        }
      }),
    );
    for (const s of sameAs) {
      const first = results[s.of]!;
      results[s.index] = { ...first, index: s.index };
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
