import { Schema } from 'mongoose';

export const AUDITOR_QUERIES_COLLECTION = 'audit_auditor_queries';

/** Who asked the audit store what, and what came of it: auditor access is itself audited. */
export interface AuditorQueryRecord {
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

export const AuditorQuerySchema = new Schema<AuditorQueryRecord>(
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
    collection: AUDITOR_QUERIES_COLLECTION,
    versionKey: false,
    autoIndex: false,
    strict: 'throw',
    strictQuery: 'throw',
  },
);
AuditorQuerySchema.index({ auditor: 1, at: -1 }, { name: 'auditor_at' });
AuditorQuerySchema.index({ at: -1 }, { name: 'at' });
