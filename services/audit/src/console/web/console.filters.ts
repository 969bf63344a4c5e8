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
