/** Pure helpers of the overview and the integrity run (unit-tested without a browser). */

export interface CountRow {
  bucket: string;
  key: string;
  count: number;
}

export const OUTCOME_ORDER = ['allow', 'deny', 'challenge'] as const;

/** Counts per bucket and outcome, buckets in time order (the keys sort as time: `YYYY-MM-DD[THH]`). */
export function overTime(rows: readonly CountRow[]): {
  buckets: string[];
  series: { outcome: string; counts: number[] }[];
} {
  const buckets = [...new Set(rows.map((r) => r.bucket))].sort();
  const index = new Map(buckets.map((b, i) => [b, i]));
  const outcomes = [
    ...OUTCOME_ORDER.filter((o) => rows.some((r) => r.key === o)),
    ...[...new Set(rows.map((r) => r.key))]
      .filter((k) => !(OUTCOME_ORDER as readonly string[]).includes(k))
      .sort(),
  ];
  const series = outcomes.map((outcome) => {
    const counts = buckets.map(() => 0);
    for (const r of rows) if (r.key === outcome) counts[index.get(r.bucket)!]! += r.count;
    return { outcome, counts };
  });
  return { buckets, series };
}

/** Totals per key over all buckets, largest first (ties by key), at most `limit`. */
export function top(rows: readonly CountRow[], limit = 10): [string, number][] {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.key, (totals.get(r.key) ?? 0) + r.count);
  return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit);
}

/**
 * Splits "all stored events" into consecutive windows for the integrity check, so the page can show progress:
 * the first window is open at the start and the last open at the end, so together they cover every record
 * whatever its stored time; the check compares each window's first link with its predecessor before it, so
 * no link between windows goes unchecked.
 */
export function integrityWindows(
  earliest: Date | undefined,
  now: Date,
  count: number,
): { from?: string; to?: string }[] {
  if (!earliest || count <= 1 || earliest.getTime() >= now.getTime()) return [{}];
  const span = now.getTime() - earliest.getTime();
  const cuts = Array.from({ length: count - 1 }, (_, i) =>
    new Date(earliest.getTime() + Math.round((span * (i + 1)) / count)).toISOString(),
  );
  const windows: { from?: string; to?: string }[] = cuts.map((cut, i) => ({
    ...(i > 0 ? { from: cuts[i - 1] } : {}),
    to: cut,
  }));
  windows.push({ from: cuts[cuts.length - 1] });
  return windows;
}
