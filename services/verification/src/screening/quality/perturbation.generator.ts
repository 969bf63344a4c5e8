/**
 * The screening quality set: listed names changed the way people mistype and rewrite them, and common names that
 * are not listed. Independent of the matcher on purpose: it works on the names as the lists write them, with its
 * own word and letter handling (ASCII letters, spaces), and imports nothing from the screening code, so the
 * matcher's normalisation cannot make its own variants easy. Deterministic (fixed seed).
 */

export const PERTURBATION_KINDS = [
  'exact',
  'transposition',
  'short-typo',
  'dropped-letter',
  'doubled-letter',
  'run-together',
  'split-token',
  'reordered',
  'dropped-middle',
] as const;
export type PerturbationKind = (typeof PERTURBATION_KINDS)[number];

/** The kinds the issue requires at ≥ 99 % recall; `exact` and `dropped-middle` are reported beside them. */
export const REQUIRED_KINDS: readonly PerturbationKind[] = PERTURBATION_KINDS.filter(
  (k) => k !== 'exact' && k !== 'dropped-middle',
);

/** A listed name as the generator sees it: no matcher types, only what the list says. */
export interface SourceName {
  entryId: string;
  name: string;
  /** `individual` names are written `LAST, First Middle` in OFAC's lists. */
  individual: boolean;
}

export interface PerturbedCase {
  kind: PerturbationKind;
  query: string;
  entryId: string;
  listedName: string;
}

export interface CommonNames {
  first: readonly string[];
  last: readonly string[];
}

export interface QualityCases {
  listed: PerturbedCase[];
  clean: string[];
  /** Generated common names left out because a list has exactly that name (same letters, any word order). */
  droppedAsListed: string[];
}

/** mulberry32: a tiny deterministic PRNG, so the set is the same on every machine. */
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

type Rnd = () => number;
const int = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);
const pick = <T>(rnd: Rnd, items: readonly T[]): T => items[int(rnd, items.length)]!;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const isWord = (w: string): boolean => /^[A-Za-z]+$/.test(w);

/** `NORIEGA, Manuel Antonio` → `Manuel Antonio NORIEGA`: how a person's name is written outside the list. */
export function displayName(n: SourceName): string {
  const comma = n.name.indexOf(',');
  if (!n.individual || comma < 0) return n.name.trim();
  return `${n.name.slice(comma + 1).trim()} ${n.name.slice(0, comma).trim()}`.trim();
}

const sameCase = (like: string, letter: string): string =>
  like === like.toUpperCase() ? letter.toUpperCase() : letter.toLowerCase();

/** Replaces word `i` of `words` with `f(word)`, on a word `fits` accepts; undefined if none does. */
function changeWord(
  rnd: Rnd,
  words: string[],
  fits: (w: string) => boolean,
  f: (w: string) => string | undefined,
): string | undefined {
  const candidates = words.map((w, i) => [w, i] as const).filter(([w]) => isWord(w) && fits(w));
  if (candidates.length === 0) return undefined;
  const [w, i] = pick(rnd, candidates);
  const changed = f(w);
  if (changed === undefined || changed === w) return undefined;
  return words.map((x, j) => (j === i ? changed : x)).join(' ');
}

function transpose(rnd: Rnd, w: string): string | undefined {
  const spots = [...Array(w.length - 1).keys()].filter(
    (i) => w[i]!.toLowerCase() !== w[i + 1]!.toLowerCase(),
  );
  if (spots.length === 0) return undefined;
  const i = pick(rnd, spots);
  return w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
}

function substitute(rnd: Rnd, w: string): string {
  const i = int(rnd, w.length);
  let letter = pick(rnd, [...LETTERS]);
  while (letter === w[i]!.toLowerCase()) letter = pick(rnd, [...LETTERS]);
  return w.slice(0, i) + sameCase(w[i]!, letter) + w.slice(i + 1);
}

function shuffled<T>(rnd: Rnd, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = int(rnd, i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function perturb(rnd: Rnd, kind: PerturbationKind, n: SourceName): string | undefined {
  const display = displayName(n);
  const words = display.split(/\s+/).filter((w) => w.length > 0);
  switch (kind) {
    case 'exact':
      return display;
    case 'transposition':
      return changeWord(
        rnd,
        words,
        (w) => w.length >= 4,
        (w) => transpose(rnd, w),
      );
    case 'short-typo':
      return changeWord(
        rnd,
        words,
        (w) => w.length >= 3 && w.length <= 5,
        (w) => substitute(rnd, w),
      );
    case 'dropped-letter':
      return changeWord(
        rnd,
        words,
        (w) => w.length >= 4,
        (w) => {
          const i = int(rnd, w.length);
          return w.slice(0, i) + w.slice(i + 1);
        },
      );
    case 'doubled-letter':
      return changeWord(
        rnd,
        words,
        (w) => w.length >= 3,
        (w) => {
          const i = int(rnd, w.length);
          return w.slice(0, i + 1) + w[i] + w.slice(i + 1);
        },
      );
    case 'run-together': {
      const pairs = [...Array(Math.max(0, words.length - 1)).keys()].filter(
        (i) => isWord(words[i]!) && isWord(words[i + 1]!),
      );
      if (pairs.length === 0) return undefined;
      const i = pick(rnd, pairs);
      return [...words.slice(0, i), words[i]! + words[i + 1]!, ...words.slice(i + 2)].join(' ');
    }
    case 'split-token':
      return changeWord(
        rnd,
        words,
        (w) => w.length >= 6,
        (w) => {
          const k = 3 + int(rnd, w.length - 5);
          return `${w.slice(0, k)} ${w.slice(k)}`;
        },
      );
    case 'reordered': {
      if (!n.individual || words.length < 2) return undefined;
      for (let tries = 0; tries < 5; tries++) {
        const out = shuffled(rnd, words);
        if (out.join(' ') !== words.join(' ')) return out.join(' ');
      }
      return undefined;
    }
    case 'dropped-middle':
      return n.individual && words.length >= 3 ? [words[0], ...words.slice(2)].join(' ') : undefined;
  }
}

/** Lower-case letters per word, sorted: "the same name" for dropping common names that are listed. */
function letterKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z ]+/g, '')
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .sort()
    .join(' ');
}

/**
 * Per kind up to `perKind` distinct listed entries changed that way (an entry whose name the kind cannot change,
 * e.g. a one-word name for `run-together`, is skipped), and `cleanCount` first + last names from `common`.
 */
export function generateQualityCases(
  names: readonly SourceName[],
  common: CommonNames,
  listedNames: readonly string[],
  { seed = 20241203, perKind = 300, cleanCount = 1500 } = {},
): QualityCases {
  const rnd = seededRandom(seed);
  const listed: PerturbedCase[] = [];
  for (const kind of PERTURBATION_KINDS) {
    const seen = new Set<string>();
    for (let tries = 0; tries < perKind * 50 && seen.size < perKind; tries++) {
      const n = pick(rnd, names);
      if (seen.has(n.entryId)) continue;
      const query = perturb(rnd, kind, n);
      if (query === undefined) continue;
      seen.add(n.entryId);
      listed.push({ kind, query, entryId: n.entryId, listedName: n.name });
    }
  }
  const listedKeys = new Set(listedNames.map(letterKey));
  const clean: string[] = [];
  const droppedAsListed: string[] = [];
  const used = new Set<string>();
  const possible = common.first.length * common.last.length;
  while (clean.length < cleanCount && used.size < possible) {
    const name = `${pick(rnd, common.first)} ${pick(rnd, common.last)}`;
    if (used.has(name)) continue;
    used.add(name);
    if (listedKeys.has(letterKey(name))) droppedAsListed.push(name);
    else clean.push(name);
  }
  return { listed, clean, droppedAsListed };
}
