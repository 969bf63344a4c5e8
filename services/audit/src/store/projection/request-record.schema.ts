import type { RequestRecordV1 } from '@clearance/contracts';
import { Schema } from 'mongoose';

export const AUDIT_REQUESTS_COLLECTION = 'audit_requests';

/**
 * The per-request record the auditors query (`RequestRecordV1` in libs/contracts, with dates), taken from the
 * request's decided event, which carries every section (request.projection.ts). Inserted once, never updated;
 * it can always be rebuilt from audit_events.
 */
export type RequestRecord = RequestRecordV1<Date>;

export const RequestRecordSchema = new Schema<RequestRecord>(
  {
    _id: { type: String, required: true },
    time: { type: Date, required: true },
    hour: { type: String, required: true },
    day: { type: String, required: true },
    userId: String,
    organizationId: String,
    claimedCountry: String,
    ip: String,
    model: String,
    action: String,
    client: String,
    occurredAt: Date,
    geoStatus: String,
    country: String,
    subdivision: String,
    city: String,
    asn: Number,
    asOrganization: String,
    anonymizers: [String],
    sanctionedRegion: String,
    verificationStatus: String,
    verificationLevel: String,
    screeningStatus: String,
    outcome: String,
    reasons: [String],
    obligations: [String],
    tier: String,
    policyId: String,
    policyVersion: String,
    policyHash: String,
    shadowOutcome: String,
    decidedAt: Date,
    timestamps: { requestedAt: Date, geolocatedAt: Date, verifiedAt: Date, decidedAt: Date },
    latency: { geolocationMs: Number, verificationMs: Number, decisionMs: Number, totalMs: Number },
    decisionEventId: { type: String, required: true },
    storedAt: { type: Date, required: true },
  },
  {
    collection: AUDIT_REQUESTS_COLLECTION,
    versionKey: false,
    autoIndex: false,
    strict: 'throw',
    strictQuery: 'throw',
    _id: false,
  },
);

// newest first, and one index per auditor filter, each ending in the page order (time, _id) desc
RequestRecordSchema.index({ time: -1, _id: -1 }, { name: 'time' });
for (const field of [
  'userId',
  'organizationId',
  'ip',
  'country',
  'outcome',
  'reasons',
  'model',
  'policyVersion',
]) {
  RequestRecordSchema.index({ [field]: 1, time: -1, _id: -1 }, { name: `${field}_time` });
}
