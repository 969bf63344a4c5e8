/**
 * The search filters of the console, in the order the form shows them. The names are the auditor API's query
 * parameters (docs/audit.md), so the page URL, the API call and the export all carry the same words.
 */
export const FILTER_FIELDS = [
  { name: 'userId', label: 'Subject (user id)' },
  { name: 'organizationId', label: 'Organisation' },
  { name: 'country', label: 'Country' },
  { name: 'outcome', label: 'Outcome' },
  { name: 'reason', label: 'Reason code' },
  { name: 'model', label: 'Model' },
  { name: 'tier', label: 'Tier' },
  { name: 'policyVersion', label: 'Policy version' },
  { name: 'ip', label: 'IP address' },
  { name: 'from', label: 'From (UTC)' },
  { name: 'to', label: 'To (UTC)' },
] as const;

export type FilterName = (typeof FILTER_FIELDS)[number]['name'];
export type Filter = Partial<Record<FilterName, string>>;

export const FILTER_NAMES: readonly FilterName[] = FILTER_FIELDS.map((f) => f.name);

const isFilterName = (name: string): name is FilterName => (FILTER_NAMES as readonly string[]).includes(name);

/** The filter a URL's query carries: known names only, first value of each, blanks dropped. */
export function filterFromQuery(search: string): Filter {
  const params = new URLSearchParams(search);
  const filter: Filter = {};
  for (const name of FILTER_NAMES) {
    const value = params.get(name)?.trim();
    if (value) filter[name] = value;
  }
  return filter;
}

/** A filter as query parameters, in the fixed field order (so equal filters give equal links). */
export function filterToQuery(filter: Filter): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = filter[name]?.trim();
    if (value) params.set(name, value);
  }
  return params;
}

/** Keeps only filter names with string values; anything else is an error, never silently dropped. */
export function parseFilter(value: unknown): Filter {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('filter must be an object');
  const filter: Filter = {};
  for (const [name, v] of Object.entries(value)) {
    if (!isFilterName(name)) throw new Error(`unknown filter ${JSON.stringify(name)}`);
    if (typeof v !== 'string') throw new Error(`filter ${name} must be a string`);
    if (v.trim()) filter[name] = v.trim();
  }
  return filter;
}

// --- the period ------------------------------------------------------------------------------------------------

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The periods the form offers. A search names its period in `from` (and `to`); one that names none gets the
 * default, written into the URL as an absolute `from`, so a shared link is the same search whenever it is opened.
 */
export const PERIODS = [
  { id: '24h', label: '24 hours', ms: DAY_MS },
  { id: '7d', label: '7 days', ms: 7 * DAY_MS },
  { id: '30d', label: '30 days', ms: 30 * DAY_MS },
  { id: '365d', label: '365 days', ms: 365 * DAY_MS },
] as const;

export type PeriodId = (typeof PERIODS)[number]['id'];

/** What a search without `from`/`to` covers (docs/audit.md, "Auditor console"). */
export const DEFAULT_PERIOD: PeriodId = '7d';

/** The console's own URL parameter for "every stored request" (`period=all`); the API never sees it. */
export const PERIOD_PARAM = 'period';
export const ALL_TIME = 'all';

/** What the page searches: the API's filter, or the same filter over all time (explicitly asked for). */
export interface Search {
  filter: Filter;
  allTime: boolean;
}

/** The start of a period ending `now`, to the whole minute (UTC), in the API's ISO 8601 form. */
export function periodStart(id: PeriodId, now: Date): string {
  const ms = PERIODS.find((p) => p.id === id)!.ms;
  const start = Math.floor((now.getTime() - ms) / 60_000) * 60_000;
  return new Date(start).toISOString().replace('.000Z', 'Z');
}

/**
 * The search a URL's query carries. `period=all` counts only without `from`/`to` (a bound given wins); with
 * neither, the default period applies (`defaulted`), and the caller writes its `from` into the URL.
 */
export function searchFromQuery(query: string, now: Date): { search: Search; defaulted: boolean } {
  const filter = filterFromQuery(query);
  const bounded = filter.from !== undefined || filter.to !== undefined;
  if (bounded) return { search: { filter, allTime: false }, defaulted: false };
  if (new URLSearchParams(query).get(PERIOD_PARAM) === ALL_TIME)
    return { search: { filter, allTime: true }, defaulted: false };
  return {
    search: { filter: { ...filter, from: periodStart(DEFAULT_PERIOD, now) }, allTime: false },
    defaulted: true,
  };
}

/** A search as the page's query string: the filter in field order, then `period=all` when it is all time. */
export function searchToQuery(search: Search): URLSearchParams {
  if (!search.allTime) return filterToQuery(search.filter);
  const rest: Filter = { ...search.filter };
  delete rest.from;
  delete rest.to;
  const params = filterToQuery(rest);
  params.set(PERIOD_PARAM, ALL_TIME);
  return params;
}

function roughly(ms: number): string {
  if (ms < 2 * DAY_MS) {
    const hours = Math.max(1, Math.round(ms / HOUR_MS));
    return `${hours} hour${hours === 1 ? '' : 's'}`;
  }
  const days = Math.round(ms / DAY_MS);
  return `${days} days`;
}

/** The period of a search in words, for the line under the filter (so the period is never a hidden default). */
export function describePeriod(search: Search, now: Date): string {
  if (search.allTime) return 'Period: all time, every stored request (on a large store this is slow).';
  const { from, to } = search.filter;
  const fromMs = from === undefined ? NaN : Date.parse(from);
  const toMs = to === undefined ? now.getTime() : Date.parse(to);
  const span =
    !Number.isNaN(fromMs) && !Number.isNaN(toMs) && toMs > fromMs ? ` (${roughly(toMs - fromMs)})` : '';
  if (from !== undefined) return `Period: from ${from} to ${to ?? 'now'}${span}.`;
  return `Period: everything before ${to ?? 'now'}.`;
}
