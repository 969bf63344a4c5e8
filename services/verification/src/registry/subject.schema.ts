import { Schema } from 'mongoose';
import type { VerificationLevel } from '@clearance/contracts';

export const USER_MODEL = 'VerificationUser';
export const ORGANIZATION_MODEL = 'VerificationOrganization';
export const HISTORY_MODEL = 'VerificationHistory';

export interface UserRecord {
  userId: string;
  level: VerificationLevel;
  residenceCountry?: string;
  verifiedAt?: Date;
  expiresAt?: Date;
  organizationId?: string;
  name?: string;
}

export interface ApprovalRecord {
  approvalId: string;
  approvedAt: Date;
  expiresAt?: Date;
  revoked: boolean;
  revokedAt?: Date;
}

export interface OrganizationRecord {
  organizationId: string;
  legalName: string;
  countryOfIncorporation: string;
  parentName?: string;
  parentCountry?: string;
  /** Share (0–100 %) held by the parent in `parentCountry`. */
  foreignShare?: number;
  approval?: ApprovalRecord;
  egressRanges: string[];
}

/** What the registry stores around a record: optimistic-concurrency version and who last changed it when. */
export interface Stored<T> {
  record: T;
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

export type SubjectKind = 'user' | 'organization';
export type ChangeSource = 'admin' | 'webhook' | 'kafka';

export interface HistoryEntry {
  historyId: string;
  kind: SubjectKind;
  subjectId: string;
  /** The record version this change produces. */
  version: number;
  actor: string;
  source: ChangeSource;
  reason: string;
  at: Date;
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
  /** False until the record write succeeded: an entry left false documents an attempt that changed nothing. */
  applied: boolean;
}

const approvalSchema = new Schema<RegistryDoc>(
  {
    approvalId: { type: String, required: true },
    approvedAt: { type: Date, required: true },
    expiresAt: Date,
    revoked: { type: Boolean, required: true },
    revokedAt: Date,
  },
  { _id: false },
);

/** Documents as the repository handles them: the typed records above are built from and into these. */
export type RegistryDoc = Record<string, unknown>;

export const UserSchema = new Schema<RegistryDoc>(
  {
    userId: { type: String, required: true },
    level: { type: String, required: true, enum: ['none', 'email', 'identity', 'entity-approved'] },
    residenceCountry: String,
    verifiedAt: Date,
    expiresAt: Date,
    organizationId: String,
    name: String,
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
    updatedBy: { type: String, required: true },
  },
  { collection: 'verification_users', versionKey: false, strict: 'throw' },
);
UserSchema.index({ userId: 1 }, { unique: true, name: 'userId_unique' });

export const OrganizationSchema = new Schema<RegistryDoc>(
  {
    organizationId: { type: String, required: true },
    legalName: { type: String, required: true },
    countryOfIncorporation: { type: String, required: true },
    parentName: String,
    parentCountry: String,
    foreignShare: Number,
    approval: approvalSchema,
    egressRanges: { type: [String], default: [] },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
    updatedBy: { type: String, required: true },
  },
  { collection: 'verification_organizations', versionKey: false, strict: 'throw' },
);
OrganizationSchema.index({ organizationId: 1 }, { unique: true, name: 'organizationId_unique' });

export const HistorySchema = new Schema<RegistryDoc>(
  {
    historyId: { type: String, required: true },
    kind: { type: String, required: true, enum: ['user', 'organization'] },
    subjectId: { type: String, required: true },
    version: { type: Number, required: true },
    actor: { type: String, required: true },
    source: { type: String, required: true, enum: ['admin', 'webhook', 'kafka'] },
    reason: { type: String, required: true },
    at: { type: Date, required: true },
    before: { type: Schema.Types.Mixed, default: null },
    after: { type: Schema.Types.Mixed, required: true },
    applied: { type: Boolean, required: true },
  },
  { collection: 'verification_history', versionKey: false, strict: 'throw', minimize: false },
);
HistorySchema.index({ historyId: 1 }, { unique: true, name: 'historyId_unique' });
HistorySchema.index({ kind: 1, subjectId: 1, at: 1 }, { name: 'subject_at' });
