import { BadRequestException } from '@nestjs/common';
import mongoose, { type FilterQuery } from 'mongoose';
import type { RequestRecord } from '../store/projection/request-record.schema';
import type { RequestFilterDto } from './request-filter.dto';

/** A page position: the (time, requestId) of the last record shown. */
export interface PageCursor {
  time: Date;
  requestId: string;
}

export function encodeCursor(c: PageCursor): string {
  return Buffer.from(JSON.stringify([c.time.toISOString(), c.requestId]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): PageCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      const time = new Date(value[0]);
      if (!Number.isNaN(time.getTime())) return { time, requestId: value[1] };
    }
  } catch {
    // falls through to the 400 below
  }
  throw new BadRequestException('cursor is not one this API issued');
}

/**
 * The MongoDB filter for validated auditor filters. Equality values are plain strings; the only operators are the
 * ones written here, marked trusted, so the queries can run with sanitizeFilter (which refuses any other).
 */
export function buildRequestFilter(q: RequestFilterDto, cursor?: PageCursor): FilterQuery<RequestRecord> {
  const filter: Record<string, unknown> = {};
  const eq: [keyof RequestFilterDto, string][] = [
    ['userId', 'userId'],
    ['organizationId', 'organizationId'],
    ['ip', 'ip'],
    ['country', 'country'],
    ['outcome', 'outcome'],
    ['reason', 'reasons'],
    ['model', 'model'],
    ['tier', 'tier'],
    ['policyVersion', 'policyVersion'],
  ];
  for (const [param, field] of eq) {
    const value = q[param];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new BadRequestException(`${param} must be a string`);
    filter[field] = value;
  }
  const time: Record<string, Date> = {};
  if (q.from !== undefined) time['$gte'] = new Date(q.from);
  if (q.to !== undefined) time['$lt'] = new Date(q.to);
  if (time['$gte'] && time['$lt'] && time['$gte'] >= time['$lt'])
    throw new BadRequestException('from must be before to');
  // implied by the cursor's $or, but a plain bound on the sort key is what starts the index scan at the cursor
  // (MongoDB's bounds; FerretDB's patched SQLite range, docs/operations.md) instead of at the newest record
  if (cursor) time['$lte'] = cursor.time;
  if (Object.keys(time).length > 0) filter['time'] = mongoose.trusted(time);
  if (cursor) {
    filter['$or'] = [
      { time: mongoose.trusted({ $lt: cursor.time }) },
      { time: cursor.time, _id: mongoose.trusted({ $lt: cursor.requestId }) },
    ];
  }
  return filter as FilterQuery<RequestRecord>;
}
