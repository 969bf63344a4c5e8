import { LRUCache } from 'lru-cache';
import type { ListEntry, LoadedList } from './sanctions.parser';
import { ScreeningIndex } from './screening.index';
import { foldName } from './name.normalizer';
import { staleLists, type StaleList } from './list.freshness';

/** Score bands: at or above `match` the decision denies, at or above `potential` it challenges. */
export const MATCH_THRESHOLD = 0.95;
export const POTENTIAL_MATCH_THRESHOLD = 0.85;
const MAX_MATCHES = 5;

export type NameScreeningStatus = 'clear' | 'potential-match' | 'match';

export interface NameMatch {
  score: number;
  list: string;
  entryId: string;
  listedName: string;
  alias: boolean;
  programs: string[];
  type?: string;
  countries: string[];
}

export interface NameScreeningResult {
  status: NameScreeningStatus;
  /** Best first, one per list entry, at most five, all at or above the potential-match threshold. */
  matches: NameMatch[];
}

export interface ListVersion {
  name: string;
  version: string;
  /** The list's date (the start of `version`). */
  date: string;
}

/** Production default of SANCTIONS_MAX_AGE_DAYS: OFAC changes the SDN list several times a month. */
export const DEFAULT_MAX_LIST_AGE_DAYS = 30;
const DAY_MS = 86_400_000;

export function statusOf(score: number): NameScreeningStatus {
  if (score >= MATCH_THRESHOLD) return 'match';
  return score >= POTENTIAL_MATCH_THRESHOLD ? 'potential-match' : 'clear';
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

function toMatch(entry: ListEntry, listedName: string, alias: boolean, score: number): NameMatch {
  return {
    score: round(score),
    list: entry.list,
    entryId: entry.entryId,
    listedName,
    alias,
    programs: entry.programs,
    type: entry.type,
    countries: entry.countries,
  };
}

/** The lists indexed: what a NameScreener is made of. */
export interface BuiltLists {
  versions: ListVersion[];
  index: ScreeningIndex;
}

/** Indexes loaded lists (on whichever thread calls it: sanctions-lists.worker.ts calls it in a worker). */
export function indexLists(lists: readonly LoadedList[]): BuiltLists {
  return {
    versions: lists.map((l) => ({ name: l.name, version: l.version, date: l.date })),
    index: new ScreeningIndex(lists.flatMap((l) => l.names)),
  };
}

/**
 * Screens names against a fixed set of loaded lists. Immutable once built: a list reload builds a new screener and
 * swaps it in, so results and their cache always belong to exactly one list version.
 */
export class NameScreener {
  readonly versions: ListVersion[];
  private readonly index: ScreeningIndex;
  private readonly cache: LRUCache<string, NameScreeningResult>;

  private readonly maxListAgeMs: number;

  /** From loaded lists (indexed here), or from lists already indexed (e.g. by a worker: sanctions-lists.worker.ts). */
  constructor(
    lists: readonly LoadedList[] | BuiltLists,
    cacheSize = 50_000,
    readonly maxListAgeDays = DEFAULT_MAX_LIST_AGE_DAYS,
  ) {
    this.maxListAgeMs = maxListAgeDays * DAY_MS;
    const built = 'index' in lists ? lists : indexLists(lists);
    this.versions = built.versions;
    this.index = built.index;
    this.cache = new LRUCache({ max: cacheSize });
  }

  /** Number of indexed names (primary names and aliases). */
  get indexedNames(): number {
    return this.index.size;
  }

  /** The lists older than the maximum age at `now`: screening against them is not current. */
  staleLists(now: Date): StaleList[] {
    return staleLists(this.versions, now.getTime(), this.maxListAgeMs);
  }

  screen(name: string): NameScreeningResult {
    const key = foldName(name);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const result = this.screenUncached(key);
    this.cache.set(key, result);
    return result;
  }

  /** Screening without the cache (the benchmark measures this). */
  screenUncached(name: string): NameScreeningResult {
    const hits = this.index.search(name, POTENTIAL_MATCH_THRESHOLD, MAX_MATCHES * 4);
    const matches: NameMatch[] = [];
    const seen = new Set<string>();
    for (const hit of hits) {
      const key = `${hit.listed.entry.list}|${hit.listed.entry.entryId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      matches.push(toMatch(hit.listed.entry, hit.listed.name, hit.listed.alias, hit.score));
      if (matches.length === MAX_MATCHES) break;
    }
    return { status: statusOf(matches[0]?.score ?? 0), matches };
  }

  /** Best score for a name regardless of band (for the quality report). */
  bestScore(name: string): number {
    return this.index.search(name, 0, 1)[0]?.score ?? 0;
  }
}
