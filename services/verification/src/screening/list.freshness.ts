/** How old a denied-party list may be before screening against it no longer counts as current. */

const DAY_MS = 86_400_000;

export interface DatedList {
  name: string;
  /** As configured: `2024-05-03`, `2021-07` or `2021` (ISO 8601 date or its year / month prefix). */
  date: string;
}

export interface StaleList {
  name: string;
  date: string;
  /** Whole days since the list's date; absent when the date cannot be read (which counts as stale). */
  ageDays?: number;
}

/**
 * The start of the period a list date names (`2021-07` → 1 July 2021): a list known only by its month or year is
 * taken to be as old as it can be. NaN for anything else, so a date nobody can read never passes as fresh.
 */
export function listDateMs(date: string): number {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(date.trim());
  if (!m) return Number.NaN;
  const [year, month, day] = [Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // 2024-02-31 is no date
  return back.getUTCMonth() === month - 1 && back.getUTCDate() === day ? ms : Number.NaN;
}

/** The lists older than `maxAgeMs` at `now` (or with an unreadable date). */
export function staleLists(lists: readonly DatedList[], now: number, maxAgeMs: number): StaleList[] {
  const out: StaleList[] = [];
  for (const l of lists) {
    const at = listDateMs(l.date);
    if (Number.isNaN(at)) out.push({ name: l.name, date: l.date });
    else if (now - at > maxAgeMs)
      out.push({ name: l.name, date: l.date, ageDays: Math.floor((now - at) / DAY_MS) });
  }
  return out;
}

export function describeStale(stale: readonly StaleList[], maxAgeDays: number): string {
  return stale
    .map((s) =>
      s.ageDays === undefined
        ? `${s.name} has no readable date (${s.date})`
        : `${s.name} of ${s.date} is ${s.ageDays} days old (max ${maxAgeDays})`,
    )
    .join('; ');
}
