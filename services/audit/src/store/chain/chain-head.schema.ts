import { Schema } from 'mongoose';

export const AUDIT_CHAIN_HEADS_COLLECTION = 'audit_chain_heads';

/**
 * The last linked record of each chain, advanced after each batch is stored. It only ever lags the chain (a
 * crash between the insert and this update), so a head beyond the last stored record means records were deleted.
 */
export interface ChainHeadRecord {
  _id: string;
  seq: number;
  hash: string;
  updatedAt: Date;
  /** The joint head write that moved it last (`advanceHeadsFrom`): tells that write which of its moves applied. */
  writeId?: string;
}

export const ChainHeadSchema = new Schema<ChainHeadRecord>(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
    hash: { type: String, required: true },
    updatedAt: { type: Date, required: true },
    writeId: { type: String },
  },
  {
    collection: AUDIT_CHAIN_HEADS_COLLECTION,
    versionKey: false,
    autoIndex: false,
    strict: 'throw',
    strictQuery: 'throw',
  },
);
