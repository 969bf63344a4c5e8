import { createHash } from 'node:crypto';
import { ofacField, parseCsv, parseCsvWithHeader } from './csv.parser';

export type ListName = 'ofac-sdn' | 'csl';

/** One record of a denied-party list. */
export interface ListEntry {
  list: ListName;
  entryId: string;
  primaryName: string;
  /** `individual`, `entity`, `vessel`, `aircraft` (lower case) when the list says. */
  type?: string;
  programs: string[];
  /** Countries of the entry's addresses (as written by the list). */
  countries: string[];
}

/** A name under which an entry is listed: its primary name or one of its aliases. */
export interface ListedName {
  entry: ListEntry;
  name: string;
  alias: boolean;
}

export interface LoadedList {
  name: ListName;
  /** The list's publication date as configured (`2024-05-03`, `2021-07`, `2021`). */
  date: string;
  /** `<date>;sha256:<hex>`: the list's date and the hash of every file it was read from. */
  version: string;
  entries: ListEntry[];
  names: ListedName[];
}

/** Content hash of a list's files, in a fixed order. */
export function contentHash(...files: (Buffer | string)[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(f);
  return hash.digest('hex');
}

function splitPrograms(raw: string | undefined): string[] {
  // OFAC joins several programmes as `IRAN] [SDGT] [IRGC`.
  return (raw ?? '')
    .split(/\]\s*\[|;/)
    .map((p) => p.replace(/[[\]]/g, '').trim())
    .filter((p) => p.length > 0 && p !== '-0-');
}

/**
 * Aliases OFAC writes into an `sdn.csv` Remarks field: `a.k.a. 'BNC'; f.k.a. 'ABU-'UMAR'.`. The name ends at the
 * quote that is followed by the end of the clause, so an apostrophe inside a name (`ABU-'UMAR`) stays in it.
 */
export function remarkAliases(remarks: string | undefined): string[] {
  if (!remarks) return [];
  const out: string[] = [];
  for (const m of remarks.matchAll(/\b[afn]\.k\.a\. '(.+?)'(?=[;.,)]|\s*$)/g)) {
    const name = m[1]!.trim();
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

export interface OfacFiles {
  sdn: string;
  alt?: string;
  add?: string;
}

/**
 * OFAC SDN in the official `sdn.csv` / `alt.csv` / `add.csv` layout (no header; `-0- ` is empty). Alias and
 * address rows apply by `ent_num` to the entries of `sdn.csv` (rows of delisted entries are ignored, so an older
 * `alt.csv` can serve a newer `sdn.csv`); an entry without any alias row gets the aliases of its Remarks field.
 */
export function parseOfacSdn(files: OfacFiles, date: string, hash: string): LoadedList {
  const entries = new Map<string, ListEntry>();
  const names: ListedName[] = [];
  const remarks = new Map<string, string[]>();
  for (const row of parseCsv(files.sdn)) {
    const entNum = ofacField(row[0]);
    const name = ofacField(row[1]);
    if (!entNum || !name) continue;
    const entry: ListEntry = {
      list: 'ofac-sdn',
      entryId: entNum,
      primaryName: name,
      type: ofacField(row[2])?.toLowerCase() ?? 'entity',
      programs: splitPrograms(ofacField(row[3])),
      countries: [],
    };
    entries.set(entNum, entry);
    names.push({ entry, name, alias: false });
    const aliases = remarkAliases(ofacField(row[11]));
    if (aliases.length > 0) remarks.set(entNum, aliases);
  }
  const withAltRows = new Set<string>();
  for (const row of files.alt ? parseCsv(files.alt) : []) {
    const entry = entries.get(ofacField(row[0]) ?? '');
    const altName = ofacField(row[3]);
    if (entry && altName) {
      names.push({ entry, name: altName, alias: true });
      withAltRows.add(entry.entryId);
    }
  }
  // Remarks aliases only where alt.csv says nothing: beside alt rows they are OFAC's weak aliases (acronyms, noms de guerre).
  for (const [entNum, aliases] of remarks) {
    if (withAltRows.has(entNum)) continue;
    const entry = entries.get(entNum)!;
    for (const name of aliases) names.push({ entry, name, alias: true });
  }
  for (const row of files.add ? parseCsv(files.add) : []) {
    const entry = entries.get(ofacField(row[0]) ?? '');
    const country = ofacField(row[4]);
    if (entry && country && !entry.countries.includes(country)) entry.countries.push(country);
  }
  return {
    name: 'ofac-sdn',
    date,
    version: `${date};sha256:${hash}`,
    entries: [...entries.values()],
    names,
  };
}

/** `Entity List (EL) - Bureau of Industry and Security` → `EL`. */
function cslSourceCode(source: string): string {
  return /\(([^)]+)\)/.exec(source)?.[1] ?? source.trim();
}

/** trade.gov Consolidated Screening List CSV (header row; `alt_names` and `programs` joined by `;`). */
export function parseCsl(text: string, date: string, hash: string): LoadedList {
  const entries: ListEntry[] = [];
  const names: ListedName[] = [];
  for (const row of parseCsvWithHeader(text)) {
    const name = (row['name'] ?? '').trim();
    if (!name) continue;
    const source = cslSourceCode(row['source'] ?? '');
    const number = (row['entity_number'] ?? '').trim() || contentHash(source, name).slice(0, 12);
    const entry: ListEntry = {
      list: 'csl',
      entryId: `${source}-${number}`,
      primaryName: name,
      type: (row['type'] ?? '').trim().toLowerCase() || undefined,
      programs: [source, ...splitPrograms(row['programs'])],
      countries: [],
    };
    entries.push(entry);
    names.push({ entry, name, alias: false });
    for (const alt of (row['alt_names'] ?? '').split(';')) {
      if (alt.trim()) names.push({ entry, name: alt.trim(), alias: true });
    }
  }
  return { name: 'csl', date, version: `${date};sha256:${hash}`, entries, names };
}
