import { Schema } from 'mongoose';

// The name predates the AuditorCallLog rename; kept so that records already stored stay readable.
export const AUDITOR_CALL_LOG_COLLECTION = 'audit_auditor_queries';

/** Who asked the audit store what, and what came of it: auditor access is itself audited. */
export interface AuditorCallRecord {
  auditor: string;
  method: string;
  path: string;
  /** The query string as received, JSON-encoded (it may hold `$` keys from a rejected injection attempt). */
  query: string;
  status: number;
  results?: number;
  at: Date;
  durationMs: number;
}

export const AuditorCallLogSchema = new Schema<AuditorCallRecord>(
  {
    auditor: { type: String, required: true },
    method: { type: String, required: true },
    path: { type: String, required: true },
    query: { type: String, required: true },
    status: { type: Number, required: true },
    results: Number,
    at: { type: Date, required: true },
    durationMs: { type: Number, required: true },
  },
  {
    collection: AUDITOR_CALL_LOG_COLLECTION,
    versionKey: false,
    autoIndex: false,
    strict: 'throw',
    strictQuery: 'throw',
  },
);
AuditorCallLogSchema.index({ auditor: 1, at: -1 }, { name: 'auditor_at' });
AuditorCallLogSchema.index({ at: -1 }, { name: 'at' });
