import { Schema } from 'mongoose';

export const AUDIT_QUARANTINE_COLLECTION = 'audit_quarantine';

/** A consumed message the store could not turn into a record; kept with the reason so nothing vanishes. */
export interface QuarantineRecord {
  _id: string;
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  raw: string;
  headers: string;
  quarantinedAt: Date;
}

export const QuarantineSchema = new Schema<QuarantineRecord>(
  {
    _id: { type: String, required: true },
    topic: { type: String, required: true },
    partition: { type: Number, required: true },
    offset: { type: String, required: true },
    reason: { type: String, required: true },
    raw: { type: String, required: true },
    headers: { type: String, required: true },
    quarantinedAt: { type: Date, required: true },
  },
  {
    collection: AUDIT_QUARANTINE_COLLECTION,
    versionKey: false,
    autoIndex: false,
    strict: 'throw',
    strictQuery: 'throw',
  },
);
QuarantineSchema.index({ quarantinedAt: 1 }, { name: 'quarantined_at' });
