import commonNames from './common-names.json';
import type { ListedName, LoadedList } from '../sanctions.loader';
import { LEGAL_FORMS, foldName, normalizeName } from '../name.normalizer';
import { POTENTIAL_MATCH_THRESHOLD, type NameScreener } from '../name.screener';

export type VariantKind =
  'exact' | 'typo' | 'swapped-order' | 'dropped-middle' | 'transliteration' | 'suffix-change';

export interface ListedCase {
  kind: VariantKind;
  query: string;
  entryId: string;
  listedName: string;
}

export interface QualitySet {
  listed: ListedCase[];
  clean: string[];
  /** Generated "common" names dropped because they are, normalised, exactly a listed name. */
  droppedAsListed: string[];
}

/** mulberry32: a tiny deterministic PRNG, so the test set is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRANSLITERATIONS: readonly (readonly [RegExp, string])[] = [
  [/mohammed|muhammad|mohamed/i, 'Mohammad'],
  [/yusuf|youssef|yousef/i, 'Yousuf'],
  [/hussein|husain|hussain/i, 'Hosein'],
  [/ahmed|ahmad/i, 'Akhmed'],
  [/aleksandr|alexander/i, 'Alexandr'],
  [/sergei|sergey/i, 'Serguei'],
  [/ov\b/i, 'off'],
  [/ev\b/i, 'eff'],
  [/kh/i, 'h'],
  [/ou/i, 'u'],
  [/y/i, 'i'],
  [/q/i, 'k'],
  [/ph/i, 'f'],
  [/w/i, 'v'],
];

const SUFFIXES = ['LLC', 'Ltd.', 'Inc.', 'GmbH', 'Co., Ltd.', 'S.A.', 'OOO', 'JSC', 'Limited', 'Corp.'];

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

/** `NORIEGA, Manuel Antonio` → `Manuel Antonio NORIEGA`: how the name is written outside the list. */
function displayOrder(l: ListedName): string {
  const [last, first] = l.name.split(',', 2);
  return first === undefined || l.entry.type !== 'individual' ? l.name : `${first.trim()} ${last!.trim()}`;
}

function typo(rnd: () => number, word: string): string {
  const i = 1 + Math.floor(rnd() * (word.length - 2));
  const letter = 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rnd() * 26)]!;
  switch (Math.floor(rnd() * 4)) {
    case 0:
      return word.slice(0, i) + letter + word.slice(i + 1);
    case 1:
      return word.slice(0, i) + word.slice(i + 1);
    case 2:
      return word.slice(0, i) + letter + word.slice(i);
    default:
      return word.slice(0, i - 1) + word[i] + word[i - 1] + word.slice(i + 1);
  }
}

function variant(rnd: () => number, kind: VariantKind, l: ListedName): string | undefined {
  const display = displayOrder(l);
  const words = display.split(/\s+/).filter((w) => w.length > 0);
  const isPerson = l.entry.type === 'individual';
  switch (kind) {
    case 'exact':
      return display;
    case 'typo': {
      const long = words.map((w, i) => [w, i] as const).filter(([w]) => /^[A-Za-z]{5,}$/.test(w));
      if (long.length === 0 || words.length < 2) return undefined;
      const [w, i] = pick(rnd, long);
      return words.map((x, j) => (j === i ? typo(rnd, w) : x)).join(' ');
    }
    case 'swapped-order':
      return isPerson && words.length >= 2 ? [...words.slice(1), words[0]].join(' ') : undefined;
    case 'dropped-middle':
      return isPerson && words.length >= 3 ? [words[0], ...words.slice(2)].join(' ') : undefined;
    case 'transliteration': {
      const rules = TRANSLITERATIONS.filter(([re]) => re.test(display));
      if (rules.length === 0 || words.length < 2) return undefined;
      const [re, to] = pick(rnd, rules);
      const out = display.replace(re, to);
      return out === display ? undefined : out;
    }
    case 'suffix-change': {
      if (isPerson || words.length < 2) return undefined;
      const stripped = words.filter((w) => !LEGAL_FORMS.has(foldName(w))).join(' ');
      return `${stripped} ${pick(rnd, SUFFIXES)}`;
    }
  }
}

/** Deterministic quality set: per kind up to `perKind` listed names altered that way, and 1,000 common names. */
export function generateQualitySet(lists: readonly LoadedList[], seed = 20210701, perKind = 200): QualitySet {
  const rnd = seededRandom(seed);
  const primaries = lists.flatMap((l) => l.names).filter((n) => !n.alias && n.entry.type !== 'vessel');
  const kinds: VariantKind[] = [
    'exact',
    'typo',
    'swapped-order',
    'dropped-middle',
    'transliteration',
    'suffix-change',
  ];
  const listed: ListedCase[] = [];
  for (const kind of kinds) {
    const seen = new Set<string>();
    for (let tries = 0; tries < perKind * 50 && seen.size < perKind; tries++) {
      const l = pick(rnd, primaries);
      if (seen.has(l.entry.entryId)) continue;
      const query = variant(rnd, kind, l);
      if (query === undefined) continue;
      seen.add(l.entry.entryId);
      listed.push({ kind, query, entryId: l.entry.entryId, listedName: l.name });
    }
  }
  const listedNormalized = new Set(lists.flatMap((l) => l.names.map((n) => normalizeName(n.name))));
  const clean: string[] = [];
  const droppedAsListed: string[] = [];
  const used = new Set<string>();
  while (clean.length < 1000) {
    const name = `${pick(rnd, commonNames.first)} ${pick(rnd, commonNames.last)}`;
    if (used.has(name)) continue;
    used.add(name);
    const swapped = name.split(' ').reverse().join(' ');
    if (listedNormalized.has(normalizeName(name)) || listedNormalized.has(normalizeName(swapped))) {
      droppedAsListed.push(name);
      continue;
    }
    clean.push(name);
  }
  return { listed, clean, droppedAsListed };
}

export interface QualityReport {
  listedCases: number;
  recall: number;
  recallByKind: Record<string, { cases: number; recall: number }>;
  misses: ListedCase[];
  cleanCases: number;
  falsePositiveRate: number;
  falsePositives: { query: string; listedName: string; score: number }[];
  droppedAsListed: number;
}

/** Recall at the potential-match band (the right entry among the matches) and false positives on common names. */
export function evaluateQuality(screener: NameScreener, set: QualitySet): QualityReport {
  const byKind: Record<string, { cases: number; hits: number }> = {};
  const misses: ListedCase[] = [];
  for (const c of set.listed) {
    const k = (byKind[c.kind] ??= { cases: 0, hits: 0 });
    k.cases++;
    const result = screener.screenUncached(c.query);
    if (result.matches.some((m) => m.entryId === c.entryId && m.score >= POTENTIAL_MATCH_THRESHOLD)) k.hits++;
    else misses.push(c);
  }
  const falsePositives: QualityReport['falsePositives'] = [];
  for (const q of set.clean) {
    const top = screener.screenUncached(q).matches[0];
    if (top) falsePositives.push({ query: q, listedName: top.listedName, score: top.score });
  }
  const hits = Object.values(byKind).reduce((a, k) => a + k.hits, 0);
  return {
    listedCases: set.listed.length,
    recall: hits / Math.max(1, set.listed.length),
    recallByKind: Object.fromEntries(
      Object.entries(byKind).map(([kind, k]) => [kind, { cases: k.cases, recall: k.hits / k.cases }]),
    ),
    misses,
    cleanCases: set.clean.length,
    falsePositiveRate: falsePositives.length / Math.max(1, set.clean.length),
    falsePositives,
    droppedAsListed: set.droppedAsListed.length,
  };
}
