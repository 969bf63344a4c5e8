import { randomUUID } from 'node:crypto';
import {
  deterministicEventId,
  Stages,
  type AccessRequestedV1,
  type AccessRequestV1,
} from '@clearance/contracts';
import type { AccessRequestBodyDto } from './access-request.dto';

export interface RequestIdentity {
  requestId: string;
  eventId: string;
}

/**
 * Ids of a new request. With an idempotency key (header or requestId) they follow from client, key and the time
 * the key was claimed: every retry within the claim re-sends the stored ids, and a key reused after its claim
 * expired names a new request with new ids (else the audit store, which keeps each event id once, would drop it).
 */
export function requestIdentity(
  client: string,
  body: Pick<AccessRequestBodyDto, 'requestId'>,
  idempotencyKey: string | undefined,
  claimedAt?: Date,
): RequestIdentity {
  const key = idempotencyKey ?? body.requestId;
  const generation = claimedAt?.toISOString() ?? '';
  const requestId =
    body.requestId ??
    (idempotencyKey !== undefined
      ? deterministicEventId('ingest-request', client, idempotencyKey, generation)
      : randomUUID());
  const eventId =
    key !== undefined ? deterministicEventId(Stages.Ingest, client, key, generation) : randomUUID();
  return { requestId, eventId };
}

/** The `access.requested.v1` event for an accepted HTTP request: only known fields are copied. */
export function requestedEvent(
  body: AccessRequestBodyDto,
  client: string,
  ids: RequestIdentity,
  now: Date = new Date(),
): AccessRequestedV1 {
  const time = now.toISOString();
  const { subject: s, network: n, resource: r } = body;
  const request: AccessRequestV1 = {
    requestId: ids.requestId,
    subject: {
      userId: s.userId,
      ...(s.organizationId !== undefined ? { organizationId: s.organizationId } : {}),
      ...(s.name !== undefined ? { name: s.name } : {}),
      ...(s.organizationName !== undefined ? { organizationName: s.organizationName } : {}),
      ...(s.email !== undefined ? { email: s.email } : {}),
      ...(s.claimedCountry !== undefined ? { claimedCountry: s.claimedCountry } : {}),
    },
    network: {
      ip: n.ip,
      ...(n.forwardedFor !== undefined ? { forwardedFor: [...n.forwardedFor] } : {}),
      ...(n.userAgent !== undefined ? { userAgent: n.userAgent } : {}),
    },
    resource: { model: r.model, action: r.action },
    occurredAt: body.occurredAt ?? time,
    client,
  };
  return {
    eventId: ids.eventId,
    requestId: ids.requestId,
    time,
    producer: Stages.Ingest,
    timestamps: { requestedAt: time },
    request,
  };
}
