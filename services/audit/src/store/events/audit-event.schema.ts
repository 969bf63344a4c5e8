import { Schema } from 'mongoose';

export const AUDIT_EVENTS_COLLECTION = 'audit_events';

/**
 * One consumed event, stored once. `_id` is the event id (CloudEvents `ce_id`), so uniqueness costs no extra
 * index. `raw` keeps the original JSON as a string: event payloads are not trusted to be valid document keys.
 */
export interface AuditEventRecord {
  _id: string;
  chain: string;
  topic: string;
  partition: number;
  /** Kafka offset as a decimal string (64-bit). */
  offset: string;
  /** Position in the chain: the Kafka offset as a number. */
  seq: number;
  requestId?: string;
  eventType: string;
  producer: string;
  time: Date;
  storedAt: Date;
  raw: string;
  prevHash: string;
  hash: string;
}

export const AuditEventSchema = new Schema<AuditEventRecord>(
  {
    _id: { type: String, required: true },
    chain: { type: String, required: true },
    topic: { type: String, required: true },
    partition: { type: Number, required: true },
    offset: { type: String, required: true },
    seq: { type: Number, required: true },
    requestId: { type: String },
    eventType: { type: String, required: true },
    producer: { type: String, required: true },
    time: { type: Date, required: true },
    storedAt: { type: Date, required: true },
    raw: { type: String, required: true },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  {
    collection: AUDIT_EVENTS_COLLECTION,
    versionKey: false,
    autoIndex: false,
    strict: 'throw',
    strictQuery: 'throw',
  },
);

// the chain order, and the guarantee that a partition offset is stored at most once
AuditEventSchema.index({ chain: 1, seq: 1 }, { unique: true, name: 'chain_seq' });
// a request's timeline
AuditEventSchema.index({ requestId: 1, time: 1 }, { name: 'request_time' });
// integrity checks over a stored-at range
AuditEventSchema.index({ storedAt: 1 }, { name: 'stored_at' });
