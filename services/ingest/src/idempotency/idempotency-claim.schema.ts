import { Schema } from 'mongoose';

export const IDEMPOTENCY_CLAIM_MODEL = 'IngestIdempotencyClaim';
export const IDEMPOTENCY_OUTCOME_MODEL = 'IngestIdempotencyOutcome';

/**
 * The first request with an idempotency key (or a body `requestId`) of a client: inserted before its event is
 * published, so the `_id` unique index makes the first writer of all ingest replicas the one that publishes. It
 * holds everything needed to send that very event again (ids and time: the body comes with every retry).
 */
export interface ClaimDoc {
  /** SHA-256 (hex) of client, kind (`key` / `request`) and the key: fixed length, no key text stored. */
  _id: string;
  /** SHA-256 of the canonical JSON of the body (body.fingerprint.ts). */
  fingerprint: string;
  requestId: string;
  eventId: string;
  /** The event's `time`: with the ids and the body it rebuilds the identical event. */
  eventTime: Date;
  createdAt: Date;
  /** After this the claim counts as absent (checked on read) and is purged. */
  expiresAt: Date;
}

/**
 * "The broker acknowledged the event of this claim": inserted (never updated) after the acknowledgement. `_id`
 * is the claim's id and creation time, so it names one generation of a claim. Without it a claim is in flight
 * for a short window and of unknown outcome afterwards.
 */
export interface OutcomeDoc {
  _id: string;
  acceptedAt: Date;
  expiresAt: Date;
}

// Inserts go through the driver: the hot path skips mongoose's document casting. The expiresAt index serves the
// purge (`deleteMany({ expiresAt: { $lte: now } })`); FerretDB 1.24 has no TTL indexes (docs/operations.md).
export const ClaimSchema = new Schema<ClaimDoc>(
  {
    _id: { type: String, required: true },
    fingerprint: { type: String, required: true },
    requestId: { type: String, required: true },
    eventId: { type: String, required: true },
    eventTime: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'ingest_idempotency_claims', versionKey: false, strict: 'throw', strictQuery: 'throw' },
);
ClaimSchema.index({ expiresAt: 1 }, { name: 'expiresAt_1' });

export const OutcomeSchema = new Schema<OutcomeDoc>(
  {
    _id: { type: String, required: true },
    acceptedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'ingest_idempotency_outcomes', versionKey: false, strict: 'throw', strictQuery: 'throw' },
);
OutcomeSchema.index({ expiresAt: 1 }, { name: 'expiresAt_1' });
