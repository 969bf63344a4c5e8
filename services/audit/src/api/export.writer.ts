import type { RequestRecord } from '../store/projection/request-record.schema';

export const CSV_COLUMNS = [
  'requestId',
  'time',
  'userId',
  'organizationId',
  'ip',
  'country',
  'model',
  'tier',
  'outcome',
  'reasons',
  'policyId',
  'policyVersion',
  'verificationLevel',
  'screeningStatus',
  'anonymizers',
  'decidedAt',
  'totalMs',
] as const;

function iso(d: Date | undefined): string {
  return d ? new Date(d).toISOString() : '';
}

/** A record as the export row: plain values only. */
export function exportRow(
  r: RequestRecord,
): Record<(typeof CSV_COLUMNS)[number], string | number | string[] | null> {
  return {
    requestId: r._id,
    time: iso(r.time),
    userId: r.userId ?? null,
    organizationId: r.organizationId ?? null,
    ip: r.ip ?? null,
    country: r.country ?? null,
    model: r.model ?? null,
    tier: r.tier ?? null,
    outcome: r.outcome ?? null,
    reasons: r.reasons ?? [],
    policyId: r.policyId ?? null,
    policyVersion: r.policyVersion ?? null,
    verificationLevel: r.verificationLevel ?? null,
    screeningStatus: r.screeningStatus ?? null,
    anonymizers: r.anonymizers ?? [],
    decidedAt: iso(r.decidedAt) || null,
    totalMs: r.latency?.totalMs ?? null,
  };
}

/**
 * One CSV field (RFC 4180 quoting). A value a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR)
 * is prefixed with `'`: export files are opened by people.
 */
export function csvField(value: string | number | string[] | null): string {
  if (value === null) return '';
  let s = Array.isArray(value) ? value.join(';') : String(value);
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvLine(r: RequestRecord): string {
  const row = exportRow(r);
  return `${CSV_COLUMNS.map((c) => csvField(row[c])).join(',')}\r\n`;
}

export function ndjsonLine(r: RequestRecord): string {
  return `${JSON.stringify(exportRow(r))}\n`;
}

/** The export as text chunks of about `chunkRows` rows, pulled from `records` as the reader asks for more. */
export async function* exportChunks(
  records: AsyncIterable<RequestRecord>,
  format: 'csv' | 'ndjson',
  chunkRows = 200,
): AsyncGenerator<string> {
  const line = format === 'csv' ? csvLine : ndjsonLine;
  let chunk = format === 'csv' ? csvHeader() : '';
  let rows = 0;
  for await (const r of records) {
    chunk += line(r);
    if (++rows % chunkRows === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}
