import jaroWinkler from 'talisman/metrics/jaro-winkler';
import type { ListedName } from './sanctions.parser';
import {
  HONORIFICS,
  LEGAL_FORMS,
  PARTICLES,
  canonicalToken,
  foldedTokens,
  identityTokens,
  isDroppedWord,
  nameTokens,
  skeletonKey,
} from './name.normalizer';

/** Token pairs less similar than this do not align at all. */
export const MIN_TOKEN_SIMILARITY = 0.8;
/** Similarity given to two different spellings with the same transliteration-neutral form. */
const TRANSLITERATION_SIMILARITY = 0.97;
/** Weight of an unmatched query token (an added name) and of an unmatched listed token (a dropped middle name). */
const UNMATCHED_QUERY_WEIGHT = 0.5;
const UNMATCHED_LISTED_WEIGHT = 0.35;
/** Only this many best candidates (by their upper bound) are scored exactly. */
const MAX_CANDIDATES = 300;
/**
 * Similarity of two tokens one edit apart (a typo, a dropped, doubled or swapped letter) of at least 4 letters,
 * and of 3 letters: what people get wrong in a name is one letter, and in a short word one letter is a large
 * share of it (`bank`/`abnk` is 0.83 by the string measures alone).
 */
const ONE_EDIT_SIMILARITY = 0.9;
const ONE_EDIT_SIMILARITY_SHORT = 0.86;
/** Up to this length one edit keeps the string measures at or below the one-edit floor (checked in the spec). */
const SHORT_TOKEN = 5;
/** Score factor when several words align but none exactly: one misspelt word is a typo, all of them are not. */
const ALL_INEXACT_FACTOR = 0.93;
/** Halves of a run-together token must be this long, unless they are a dropped word (`al`, `de`, `co`). */
const MIN_SPLIT_PART = 3;
/** At most this many alternative readings of a query (merged or split tokens) are searched besides it. */
const MAX_ALTERNATIVES = 6;
/** A joined or split reading whose rarest new token is in more names than this says nothing (`ali` + `reza`). */
const MAX_REQUIRED_CANDIDATES = 2000;

export interface ScoredName {
  listed: ListedName;
  score: number;
}

// Reused rows for the edit distance: screening runs on one thread and tokens are short.
let rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transposition). Stops early and returns
 * `maxDistance + 1` once every alignment costs more than `maxDistance`.
 */
export function osaDistance(a: string, b: string, maxDistance = Number.MAX_SAFE_INTEGER): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  if (m + 1 > rows[0].length) rows = [new Int32Array(m + 1), new Int32Array(m + 1), new Int32Array(m + 1)];
  let [prev2, prev, cur] = rows;
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const bj = b.charCodeAt(j - 1);
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj)
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > maxDistance) return maxDistance + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/**
 * Similarity of two tokens in [0, 1]: the mean of Jaro-Winkler (kind to typos late in a word) and normalised
 * edit distance (which stops Jaro-Winkler's prefix bonus from calling `martin` and `martinez` the same).
 * Below `floor` the exact value does not matter and any value below `floor` may be returned.
 */
export function stringSimilarity(a: string, b: string, floor = 0): number {
  if (a === b) return 1;
  const longest = Math.max(a.length, b.length);
  const jw = jaroWinkler(a, b);
  // the edit part is at most 1 - length difference / longest: skip the distance when even that cannot reach floor
  const bestEdit = 1 - Math.abs(a.length - b.length) / longest;
  if ((jw + bestEdit) / 2 < floor) return (jw + bestEdit) / 2;
  const maxDistance = floor > 0 ? Math.floor((1 - (2 * floor - jw)) * longest) : longest;
  return (jw + 1 - Math.min(osaDistance(a, b, maxDistance), longest) / longest) / 2;
}

/** Token similarity: the string measures, raised to the one-edit floor for tokens one edit apart. */
export function tokenSimilarity(a: string, b: string, floor = 0): number {
  const longest = Math.max(a.length, b.length);
  const oneEdit = Math.min(a.length, b.length) >= 3 && longest - Math.min(a.length, b.length) <= 1;
  if (oneEdit && longest <= SHORT_TOKEN && a !== b && osaDistance(a, b, 1) <= 1) {
    // one edit in a short word: the string measures stay below the floor, so they need not be computed
    return longest >= 4 ? ONE_EDIT_SIMILARITY : ONE_EDIT_SIMILARITY_SHORT;
  }
  const sim = stringSimilarity(a, b, floor);
  if (sim >= ONE_EDIT_SIMILARITY || !oneEdit || osaDistance(a, b, 1) > 1) return sim;
  return Math.max(sim, longest >= 4 ? ONE_EDIT_SIMILARITY : ONE_EDIT_SIMILARITY_SHORT);
}

/** The token and every string one deletion away from it: two tokens one edit apart share one of these. */
function deletionKeys(token: string): string[] {
  const out = [token];
  for (let i = 0; i < token.length; i++) {
    const d = token.slice(0, i) + token.slice(i + 1);
    if (d !== out[out.length - 1]) out.push(d);
  }
  return out;
}

/** Dropped words a misspelling of which is recognised (`copmany`, `ltq`). */
const DROPPED_FOR_TYPOS: readonly string[] = [
  ...new Set([...LEGAL_FORMS, ...HONORIFICS, ...PARTICLES]),
].filter((w) => w.length >= 3);

/** One way to read a query: its identity tokens, and those that must align for the reading to count. */
interface Reading {
  tokens: string[];
  required: number[];
}

function trigrams(token: string): string[] {
  const padded = `^${token}$`;
  const out: string[] = [];
  for (let i = 0; i + 3 <= padded.length; i++) out.push(padded.slice(i, i + 3));
  return out;
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (list[list.length - 1] !== value) list.push(value);
}

/** The index's maps while it is built: small growing arrays, packed into the classes below once complete. */
interface Building {
  byCanon: Map<string, number[]>;
  bySkeleton: Map<string, number[]>;
  byTrigram: Map<string, number[]>;
  byDeletion: Map<string, number[]>;
  postings: number[][];
}

const NO_IDS = new Int32Array(0);

/**
 * Lists of ids by string key, packed: one Map from key to list number, every list's ids in one Int32Array (in the
 * order they were added). A JS array per key cost ~100 bytes beside its ids (array object, backing store, growth).
 */
export class PackedGroups {
  constructor(
    private readonly listOf: ReadonlyMap<string, number>,
    private readonly lists: PackedLists,
  ) {}

  static from(groups: ReadonlyMap<string, readonly number[]>): PackedGroups {
    const listOf = new Map<string, number>();
    for (const key of groups.keys()) listOf.set(key, listOf.size);
    return new PackedGroups(listOf, PackedLists.from([...groups.values()]));
  }

  /** Rebuilt from what structured cloning (a worker's message) made of one: the same fields, no prototype. */
  static revive(cloned: PackedGroups): PackedGroups {
    const { listOf, lists } = cloned as unknown as { listOf: Map<string, number>; lists: PackedLists };
    return new PackedGroups(listOf, PackedLists.revive(lists));
  }

  get(key: string): Int32Array {
    const list = this.listOf.get(key);
    return list === undefined ? NO_IDS : this.lists.get(list);
  }

  has(key: string): boolean {
    return this.listOf.has(key);
  }
}

/** Lists of ids by list number, packed in one Int32Array with their start offsets. */
export class PackedLists {
  constructor(
    private readonly start: Int32Array,
    private readonly ids: Int32Array,
  ) {}

  static from(lists: readonly (readonly number[])[]): PackedLists {
    const start = new Int32Array(lists.length + 1);
    let total = 0;
    for (const l of lists) total += l.length;
    const ids = new Int32Array(total);
    let at = 0;
    lists.forEach((l, i) => {
      start[i] = at;
      ids.set(l, at);
      at += l.length;
    });
    start[lists.length] = at;
    return new PackedLists(start, ids);
  }

  static revive(cloned: PackedLists): PackedLists {
    const { start, ids } = cloned as unknown as { start: Int32Array; ids: Int32Array };
    return new PackedLists(start, ids);
  }

  get length(): number {
    return this.start.length - 1;
  }

  /** The list's ids (a view: no copy). */
  get(list: number): Int32Array {
    return this.ids.subarray(this.start[list]!, this.start[list + 1]!);
  }
}

/**
 * Inverted index over every listed name (primary names and aliases): tokens → names, and for fuzzy lookup of a
 * query token the vocabulary by transliteration-neutral form, consonant skeleton and character trigram. A query is
 * scored exactly against only the few hundred names sharing a similar token with it, not against all of them.
 */
export class ScreeningIndex {
  private readonly tokens: string[] = [];
  private readonly canon: string[] = [];
  private readonly tokenIds = new Map<string, number>();
  private readonly byCanon: PackedGroups;
  private readonly bySkeleton: PackedGroups;
  private readonly byTrigram: PackedGroups;
  private readonly byDeletion: PackedGroups;
  /** Token id → the names holding it. */
  private readonly postings: PackedLists;
  private readonly weights: Float64Array;
  /** Name id → its token ids. */
  private readonly nameTokenIds: PackedLists;
  private readonly names: ListedName[] = [];
  /** Scratch space for the candidate sweep, reused between queries (the index is used from one thread). */
  private readonly upperBound: Float64Array;
  private readonly lastQuery: Int32Array;
  private readonly lastGain: Float64Array;
  private readonly trigramHits: Int32Array;

  constructor(listed: readonly ListedName[]) {
    const build: Building = {
      byCanon: new Map(),
      bySkeleton: new Map(),
      byTrigram: new Map(),
      byDeletion: new Map(),
      postings: [],
    };
    const nameTokenIds: number[][] = [];
    const seen = new Set<string>();
    for (const l of listed) {
      const tokens = [...new Set(nameTokens(l.name))];
      if (tokens.length === 0) continue;
      // The same entry listed twice under one normalised name adds nothing but work.
      const key = `${l.entry.list}|${l.entry.entryId}|${tokens.join(' ')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const nameId = this.names.length;
      this.names.push(l);
      nameTokenIds.push(tokens.map((t) => this.addToken(build, t, nameId)));
    }
    const n = Math.max(this.names.length, 2);
    this.weights = Float64Array.from(build.postings, (p) =>
      Math.max(0.2, Math.log(n / p.length) / Math.log(n)),
    );
    // packed once built: the maps of small arrays were most of the index's heap (docs/performance.md)
    this.byCanon = PackedGroups.from(build.byCanon);
    this.bySkeleton = PackedGroups.from(build.bySkeleton);
    this.byTrigram = PackedGroups.from(build.byTrigram);
    this.byDeletion = PackedGroups.from(build.byDeletion);
    this.postings = PackedLists.from(build.postings);
    this.nameTokenIds = PackedLists.from(nameTokenIds);
    this.upperBound = new Float64Array(this.names.length);
    this.lastQuery = new Int32Array(this.names.length).fill(-1);
    this.lastGain = new Float64Array(this.names.length);
    this.trigramHits = new Int32Array(this.tokens.length);
  }

  get size(): number {
    return this.names.length;
  }

  /**
   * An index built elsewhere (a worker thread, sanctions-lists.worker.ts) as structured cloning handed it over: its
   * fields without prototypes. The packed parts get theirs back, the per-query scratch space is made anew.
   */
  static revive(cloned: ScreeningIndex): ScreeningIndex {
    const c = cloned as unknown as Record<string, unknown>;
    const names = c['names'] as ListedName[];
    const tokens = c['tokens'] as string[];
    return Object.assign(Object.create(ScreeningIndex.prototype) as ScreeningIndex, {
      tokens,
      canon: c['canon'],
      tokenIds: c['tokenIds'],
      byCanon: PackedGroups.revive(c['byCanon'] as PackedGroups),
      bySkeleton: PackedGroups.revive(c['bySkeleton'] as PackedGroups),
      byTrigram: PackedGroups.revive(c['byTrigram'] as PackedGroups),
      byDeletion: PackedGroups.revive(c['byDeletion'] as PackedGroups),
      postings: PackedLists.revive(c['postings'] as PackedLists),
      weights: c['weights'],
      nameTokenIds: PackedLists.revive(c['nameTokenIds'] as PackedLists),
      names,
      upperBound: new Float64Array(names.length),
      lastQuery: new Int32Array(names.length).fill(-1),
      lastGain: new Float64Array(names.length),
      trigramHits: new Int32Array(tokens.length),
    });
  }

  private addToken(build: Building, token: string, nameId: number): number {
    let id = this.tokenIds.get(token);
    if (id === undefined) {
      id = this.tokens.length;
      this.tokenIds.set(token, id);
      this.tokens.push(token);
      const canonical = canonicalToken(token);
      this.canon.push(canonical);
      build.postings.push([]);
      push(build.byCanon, canonical, id);
      push(build.bySkeleton, skeletonKey(canonical), id);
      for (const g of new Set(trigrams(canonical))) push(build.byTrigram, g, id);
      for (const form of new Set([token, canonical])) {
        if (form.length >= 3) for (const k of deletionKeys(form)) push(build.byDeletion, k, id);
      }
    }
    build.postings[id]!.push(nameId);
    return id;
  }

  /** Vocabulary tokens spelt like `token` or the same transliterated. */
  private sameTokens(token: string): Map<number, number> {
    const out = new Map<number, number>();
    const exact = this.tokenIds.get(token);
    if (exact !== undefined) out.set(exact, 1);
    for (const id of this.byCanon.get(canonicalToken(token))) {
      if (!out.has(id)) out.set(id, TRANSLITERATION_SIMILARITY);
    }
    return out;
  }

  /** Vocabulary tokens similar to `token`, with their similarity. */
  private similarTokens(token: string): Map<number, number> {
    const out = new Map<number, number>();
    const exact = this.tokenIds.get(token);
    if (exact !== undefined) out.set(exact, 1);
    const canonical = canonicalToken(token);
    for (const id of this.byCanon.get(canonical)) {
      if (!out.has(id))
        out.set(id, Math.max(TRANSLITERATION_SIMILARITY, tokenSimilarity(token, this.tokens[id]!)));
    }
    const consider = (id: number): void => {
      if (out.has(id)) return;
      // the one-edit floor only as written: transliteration-neutral forms are already close by construction
      const written = tokenSimilarity(token, this.tokens[id]!, MIN_TOKEN_SIMILARITY);
      const sim =
        written >= ONE_EDIT_SIMILARITY
          ? written
          : Math.max(written, stringSimilarity(canonical, this.canon[id]!, MIN_TOKEN_SIMILARITY));
      if (sim >= MIN_TOKEN_SIMILARITY) out.set(id, sim);
    };
    if (canonical.length >= 3) {
      for (const id of this.bySkeleton.get(skeletonKey(canonical))) consider(id);
    }
    // one edit apart, as written or transliteration-neutral (short words share too few trigrams for the sweep)
    for (const form of new Set([token, canonical])) {
      if (form.length < 3) continue;
      for (const k of deletionKeys(form)) for (const id of this.byDeletion.get(k)) consider(id);
    }
    const grams = [...new Set(trigrams(canonical))];
    const needed = Math.max(1, Math.ceil(grams.length * 0.4));
    const touched: number[] = [];
    for (const g of grams) {
      for (const id of this.byTrigram.get(g)) {
        if (this.trigramHits[id] === 0) touched.push(id);
        this.trigramHits[id]!++;
      }
    }
    for (const id of touched) {
      if (this.trigramHits[id]! >= needed && Math.abs(this.canon[id]!.length - canonical.length) <= 3)
        consider(id);
      this.trigramHits[id] = 0;
    }
    return out;
  }

  /**
   * Weight of a query token: its rarity in the lists; a token the lists do not contain (a misspelling) weighs what
   * the listed token it most resembles weighs, so `abnk` counts as little as `bank`; 1 if it resembles none.
   */
  private queryWeight(token: string, similar: Map<number, number>): number {
    const id = this.tokenIds.get(token);
    if (id !== undefined) return this.weights[id]!;
    let best = -1;
    let weight = 1;
    for (const [tokenId, sim] of similar) {
      const w = this.weights[tokenId]!;
      if (sim > best || (sim === best && w > weight)) {
        best = sim;
        weight = w;
      }
    }
    return weight;
  }

  /** A token the lists contain (exactly or in its transliteration-neutral form). */
  private knows(token: string): boolean {
    return this.tokenIds.has(token) || this.byCanon.has(canonicalToken(token));
  }

  /**
   * The query as written, and readings with two adjacent words joined (`pet rov` → `petrov`) or one word split in
   * two known words (`sergeishoigu` → `sergei shoigu`) when the lists know the result. A reading counts only if
   * the joined or split tokens align, so splitting `johnson` into `john son` does not match a `JOHN`.
   */
  private readings(query: string): Reading[] {
    const words = foldedTokens(query).slice(0, 16);
    const out: Reading[] = [{ tokens: [...new Set(identityTokens(words))], required: [] }];
    const seen = new Set([out[0]!.tokens.join(' ')]);
    const add = (next: string[], made: string[]): void => {
      if (out.length > MAX_ALTERNATIVES) return;
      const tokens = [...new Set(identityTokens(next))];
      const required = made.filter((t) => !isDroppedWord(t)).map((t) => tokens.indexOf(t));
      const key = tokens.join(' ');
      if (tokens.length === 0 || required.includes(-1) || seen.has(key)) return;
      seen.add(key);
      out.push({ tokens, required });
    };
    // without the words that look like misspelt legal forms (`copmany`; `ltq` first or last)
    const noMisspeltForms = words.filter(
      (t, i) => !this.misspeltLegalForm(t, i === 0 || i === words.length - 1),
    );
    // what remains must then align as spelt, so dropping `ava` from `Ava Sato` does not make it `GATO`
    if (noMisspeltForms.length < words.length) add(noMisspeltForms, noMisspeltForms);
    for (let i = 0; i + 1 < words.length; i++) {
      const joined = words[i]! + words[i + 1]!;
      if (this.knows(joined) || isDroppedWord(joined))
        add([...words.slice(0, i), joined, ...words.slice(i + 2)], [joined]);
    }
    // unknown words first: a run-together word is rarely a listed token, and the readings are capped
    const order = [...words.keys()].sort(
      (a, b) => +this.tokenIds.has(words[a]!) - +this.tokenIds.has(words[b]!),
    );
    for (const i of order) {
      const word = words[i]!;
      const splits: [string, string][] = [];
      for (let k = 1; k < word.length; k++) {
        const [left, right] = [word.slice(0, k), word.slice(k)];
        if (this.splitFits(left, right)) splits.push([left, right]);
      }
      // the most even split first: `hong kong` before `h ongkong`
      splits.sort((a, b) => Math.min(b[0].length, b[1].length) - Math.min(a[0].length, a[1].length));
      for (const [left, right] of splits)
        add([...words.slice(0, i), left, right, ...words.slice(i + 1)], [left, right]);
    }
    return out;
  }

  /**
   * Two parts of a split word: listed tokens (initials too) or longer words the lists know transliterated; a
   * legal form after a listed token (`gold plc`), a particle before a listed token of 4+ letters (`al qaida`,
   * not `et han`), or two dropped words (`al sheikh`).
   */
  private splitFits(left: string, right: string): boolean {
    const known = (part: string): boolean =>
      this.tokenIds.has(part) || (part.length >= MIN_SPLIT_PART && this.knows(part));
    const [dl, dr] = [isDroppedWord(left), isDroppedWord(right)];
    // a listed word (`lisa`, `lee`) is not a legal form or particle run together with something
    if ((dl || dr) && this.knows(left + right)) return false;
    if (dl && dr) return left.length >= 2 && right.length >= 2;
    if (dr) return LEGAL_FORMS.has(right) && this.tokenIds.has(left) && left.length >= 2;
    if (dl) return this.tokenIds.has(right) && right.length >= 4;
    return known(left) && known(right);
  }

  /**
   * `copmany`, `limted`: a word one edit from a legal form, honorific or particle of 4+ letters; as the first or
   * last word also one edit from a 3-letter legal form (`lsc`, `ltq`, `bbhd`), where legal forms stand.
   */
  private misspeltLegalForm(token: string, edge: boolean): boolean {
    if (token.length < 3 || isDroppedWord(token)) return false;
    for (const w of DROPPED_FOR_TYPOS) {
      if (Math.abs(w.length - token.length) > 1) continue;
      if (w.length < 4 && !(edge && LEGAL_FORMS.has(w))) continue;
      if (osaDistance(token, w, 1) <= 1) return true;
    }
    return false;
  }

  /** Listed names scoring at least `minScore` against `query`, best first (the best reading of the query counts). */
  search(query: string, minScore: number, limit: number): ScoredName[] {
    const best = new Map<number, number>();
    const similarCache = new Map<string, Map<number, number>>();
    const similar = (t: string): Map<number, number> => {
      let m = similarCache.get(t);
      if (m === undefined) similarCache.set(t, (m = this.similarTokens(t)));
      return m;
    };
    for (const reading of this.readings(query)) {
      if (reading.tokens.length === 0) continue;
      for (const [nameId, score] of this.searchReading(reading, minScore, similar)) {
        if (score > (best.get(nameId) ?? -1)) best.set(nameId, score);
      }
    }
    const results: ScoredName[] = [];
    for (const [nameId, score] of best) results.push({ listed: this.names[nameId]!, score });
    results.sort((a, b) => b.score - a.score);
    return results.slice(0, limit);
  }

  private searchReading(
    { tokens: qTokens, required }: Reading,
    minScore: number,
    similarOf: (token: string) => Map<number, number>,
  ): [number, number][] {
    // a reading's new tokens count only as spelt or transliterated: the fuzzy lookup is not needed for them
    const similar = qTokens.map((t, i) => (required.includes(i) ? this.sameTokens(t) : similarOf(t)));
    const qWeights = qTokens.map((t, i) => this.queryWeight(t, similar[i]!));
    if (required.length > 0) return this.searchRequired(similar, qWeights, required, minScore);
    const qTotal = qWeights.reduce((a, b) => a + b, 0);

    // Upper bound per name: the query weight its tokens could at best cover.
    const touched: number[] = [];
    for (let qi = 0; qi < qTokens.length; qi++) {
      const stamp = qi;
      for (const [tokenId, sim] of similar[qi]!) {
        for (const nameId of this.postings.get(tokenId)) {
          const gain = sim * qWeights[qi]!;
          if (this.lastQuery[nameId] === stamp) {
            if (gain > this.lastGain[nameId]!) {
              this.upperBound[nameId]! += gain - this.lastGain[nameId]!;
              this.lastGain[nameId] = gain;
            }
            continue;
          }
          if (this.upperBound[nameId] === 0) touched.push(nameId);
          this.lastQuery[nameId] = stamp;
          this.lastGain[nameId] = gain;
          this.upperBound[nameId]! += gain;
        }
      }
    }
    const floor = qTotal * (qTokens.length > 1 ? 0.45 : 0.8);
    let candidates = touched.filter((id) => this.upperBound[id]! >= floor);
    if (candidates.length > MAX_CANDIDATES) {
      candidates.sort((a, b) => this.upperBound[b]! - this.upperBound[a]!);
      candidates = candidates.slice(0, MAX_CANDIDATES);
    }
    for (const id of touched) {
      this.upperBound[id] = 0;
      this.lastQuery[id] = -1;
    }

    const out: [number, number][] = [];
    for (const nameId of candidates) {
      const score = this.scoreName(similar, qWeights, nameId, required);
      if (score >= minScore) out.push([nameId, score]);
    }
    return out;
  }

  /**
   * A joined or split reading: only names holding its new tokens as spelt (or transliterated) can score, so the
   * candidates are the names of the rarest such token, not a sweep over every similar one.
   */
  private searchRequired(
    similar: Map<number, number>[],
    qWeights: number[],
    required: readonly number[],
    minScore: number,
  ): [number, number][] {
    let rarest: number[] | undefined;
    for (const qi of required) {
      const names: number[] = [];
      for (const [tokenId, sim] of similar[qi]!) {
        if (sim >= TRANSLITERATION_SIMILARITY) for (const n of this.postings.get(tokenId)) names.push(n);
      }
      if (rarest === undefined || names.length < rarest.length) rarest = names;
    }
    if (rarest === undefined || rarest.length > MAX_REQUIRED_CANDIDATES) return [];
    const out: [number, number][] = [];
    for (const nameId of new Set(rarest)) {
      const score = this.scoreName(similar, qWeights, nameId, required);
      if (score >= minScore) out.push([nameId, score]);
    }
    return out;
  }

  /**
   * Order-insensitive name score: query and listed tokens aligned greedily by similarity, each pair counting
   * with both tokens' rarity weights; unmatched tokens on either side lower the score, a dropped listed token
   * (middle name) less than an added query token. A single aligned token between multi-token names counts fully
   * against its unmatched neighbours, so a shared surname alone is not a match.
   */
  private scoreName(
    similar: Map<number, number>[],
    qWeights: number[],
    nameId: number,
    required: readonly number[] = [],
  ): number {
    const cTokens = this.nameTokenIds.get(nameId);
    const pairs: [number, number, number][] = [];
    for (let qi = 0; qi < similar.length; qi++) {
      for (let ci = 0; ci < cTokens.length; ci++) {
        const sim = similar[qi]!.get(cTokens[ci]!);
        if (sim !== undefined) pairs.push([sim, qi, ci]);
      }
    }
    pairs.sort((a, b) => b[0] - a[0]);
    const qUsed = new Array<boolean>(similar.length).fill(false);
    const cUsed = new Array<boolean>(cTokens.length).fill(false);
    let num = 0;
    let matchedWeight = 0;
    let matched = 0;
    const alignedSim: number[] = [];
    for (const [sim, qi, ci] of pairs) {
      if (qUsed[qi] || cUsed[ci]) continue;
      qUsed[qi] = true;
      alignedSim[qi] = sim;
      cUsed[ci] = true;
      matched++;
      const w = qWeights[qi]! + this.weights[cTokens[ci]!]!;
      num += sim * w;
      matchedWeight += w;
    }
    if (matched === 0) return 0;
    // a joined or split reading counts only when its new tokens align as spelt (or transliterated)
    for (const qi of required) if ((alignedSim[qi] ?? 0) < TRANSLITERATION_SIMILARITY) return 0;
    let exact = 0;
    for (const sim of alignedSim) if (sim !== undefined && sim >= TRANSLITERATION_SIMILARITY) exact++;
    const lonely = matched === 1 && (similar.length > 1 || cTokens.length > 1);
    let unmatched = 0;
    for (let qi = 0; qi < similar.length; qi++) {
      if (!qUsed[qi]) unmatched += qWeights[qi]! * (lonely ? 1 : UNMATCHED_QUERY_WEIGHT);
    }
    for (let ci = 0; ci < cTokens.length; ci++) {
      if (!cUsed[ci]) unmatched += this.weights[cTokens[ci]!]! * (lonely ? 1 : UNMATCHED_LISTED_WEIGHT);
    }
    const score = num / (matchedWeight + unmatched);
    // two or more aligned words, none of them as listed: a near-homonym (`Marco Rossi` / `Marko Rosic`), not a typo
    return matched >= 2 && exact === 0 ? score * ALL_INEXACT_FACTOR : score;
  }
}
