import type { CountRow, StatsRow } from '../store/projection/request-record.repository';
import type { StatsBucket } from './request-filter.dto';

/** A reason's count among the requests of one outcome. */
export interface OutcomeReasonRow extends StatsRow {
  outcome: string;
}

export interface StatsReport {
  bucket: StatsBucket;
  byOutcome: StatsRow[];
  byCountry: StatsRow[];
  byReason: StatsRow[];
  /** `byReason` split by outcome (the overview's top deny and top challenge reasons). */
  byOutcomeReason: OutcomeReasonRow[];
}

const NONE = 'none';

function add<R extends StatsRow>(into: Map<string, R>, id: string, make: () => R, count: number): void {
  const row = into.get(id) ?? make();
  row.count += count;
  into.set(id, row);
}

const ordered = <R extends StatsRow & { outcome?: string }>(rows: Map<string, R>): R[] =>
  [...rows.values()].sort(
    (a, b) =>
      a.bucket.localeCompare(b.bucket) ||
      (a.outcome ?? '').localeCompare(b.outcome ?? '') ||
      a.key.localeCompare(b.key),
  );

/**
 * Folds the grouped counts into the report: a missing value counts as `none`; a request counts once for each of
 * its reasons (and as `none` without any), so the reason counts add up to more than the requests.
 */
export function statsReportOf(bucket: StatsBucket, rows: readonly CountRow[]): StatsReport {
  const byOutcome = new Map<string, StatsRow>();
  const byCountry = new Map<string, StatsRow>();
  const byReason = new Map<string, StatsRow>();
  const byOutcomeReason = new Map<string, OutcomeReasonRow>();
  for (const r of rows) {
    const outcome = r.outcome ?? NONE;
    const country = r.country ?? NONE;
    add(byOutcome, `${r.bucket}\0${outcome}`, () => ({ bucket: r.bucket, key: outcome, count: 0 }), r.count);
    add(byCountry, `${r.bucket}\0${country}`, () => ({ bucket: r.bucket, key: country, count: 0 }), r.count);
    for (const reason of r.reasons.length > 0 ? new Set(r.reasons) : [NONE]) {
      add(byReason, `${r.bucket}\0${reason}`, () => ({ bucket: r.bucket, key: reason, count: 0 }), r.count);
      add(
        byOutcomeReason,
        `${r.bucket}\0${outcome}\0${reason}`,
        () => ({ bucket: r.bucket, outcome, key: reason, count: 0 }),
        r.count,
      );
    }
  }
  return {
    bucket,
    byOutcome: ordered(byOutcome),
    byCountry: ordered(byCountry),
    byReason: ordered(byReason),
    byOutcomeReason: ordered(byOutcomeReason),
  };
}
