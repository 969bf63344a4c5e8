import jaroWinkler from 'talisman/metrics/jaro-winkler';
import type { ListedName } from './sanctions.loader';
import { canonicalToken, nameTokens, skeletonKey } from './name.normalizer';

/** Token pairs less similar than this do not align at all. */
export const MIN_TOKEN_SIMILARITY = 0.8;
/** Similarity given to two different spellings with the same transliteration-neutral form. */
const TRANSLITERATION_SIMILARITY = 0.97;
/** Weight of an unmatched query token (an added name) and of an unmatched listed token (a dropped middle name). */
const UNMATCHED_QUERY_WEIGHT = 0.5;
const UNMATCHED_LISTED_WEIGHT = 0.35;
/** Only this many best candidates (by their upper bound) are scored exactly. */
const MAX_CANDIDATES = 300;

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

/**
 * Inverted index over every listed name (primary names and aliases): tokens → names, and for fuzzy lookup of a
 * query token the vocabulary by transliteration-neutral form, consonant skeleton and character trigram. A query is
 * scored exactly against only the few hundred names sharing a similar token with it, not against all of them.
 */
export class ScreeningIndex {
  private readonly tokens: string[] = [];
  private readonly canon: string[] = [];
  private readonly tokenIds = new Map<string, number>();
  private readonly byCanon = new Map<string, number[]>();
  private readonly bySkeleton = new Map<string, number[]>();
  private readonly byTrigram = new Map<string, number[]>();
  private readonly postings: number[][] = [];
  private readonly weights: Float64Array;
  private readonly nameTokenIds: Int32Array[] = [];
  private readonly names: ListedName[] = [];
  /** Scratch space for the candidate sweep, reused between queries (the index is used from one thread). */
  private readonly upperBound: Float64Array;
  private readonly lastQuery: Int32Array;
  private readonly lastGain: Float64Array;
  private readonly trigramHits: Int32Array;

  constructor(listed: readonly ListedName[]) {
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
      this.nameTokenIds.push(Int32Array.from(tokens, (t) => this.addToken(t, nameId)));
    }
    const n = Math.max(this.names.length, 2);
    this.weights = Float64Array.from(this.postings, (p) =>
      Math.max(0.2, Math.log(n / p.length) / Math.log(n)),
    );
    this.upperBound = new Float64Array(this.names.length);
    this.lastQuery = new Int32Array(this.names.length).fill(-1);
    this.lastGain = new Float64Array(this.names.length);
    this.trigramHits = new Int32Array(this.tokens.length);
  }

  get size(): number {
    return this.names.length;
  }

  private addToken(token: string, nameId: number): number {
    let id = this.tokenIds.get(token);
    if (id === undefined) {
      id = this.tokens.length;
      this.tokenIds.set(token, id);
      this.tokens.push(token);
      const canonical = canonicalToken(token);
      this.canon.push(canonical);
      this.postings.push([]);
      push(this.byCanon, canonical, id);
      push(this.bySkeleton, skeletonKey(canonical), id);
      for (const g of new Set(trigrams(canonical))) push(this.byTrigram, g, id);
    }
    this.postings[id]!.push(nameId);
    return id;
  }

  /** Weight of a token by its rarity in the lists (1 for a token the lists do not contain). */
  private weightOf(tokenId: number | undefined): number {
    return tokenId === undefined ? 1 : this.weights[tokenId]!;
  }

  /** Vocabulary tokens similar to `token`, with their similarity. */
  private similarTokens(token: string): Map<number, number> {
    const out = new Map<number, number>();
    const exact = this.tokenIds.get(token);
    if (exact !== undefined) out.set(exact, 1);
    const canonical = canonicalToken(token);
    for (const id of this.byCanon.get(canonical) ?? []) {
      if (!out.has(id))
        out.set(id, Math.max(TRANSLITERATION_SIMILARITY, stringSimilarity(token, this.tokens[id]!)));
    }
    const consider = (id: number): void => {
      if (out.has(id)) return;
      const sim = Math.max(
        stringSimilarity(token, this.tokens[id]!),
        stringSimilarity(canonical, this.canon[id]!),
      );
      if (sim >= MIN_TOKEN_SIMILARITY) out.set(id, sim);
    };
    if (canonical.length >= 3) {
      for (const id of this.bySkeleton.get(skeletonKey(canonical)) ?? []) consider(id);
    }
    const grams = [...new Set(trigrams(canonical))];
    const needed = Math.max(1, Math.ceil(grams.length * 0.4));
    const touched: number[] = [];
    for (const g of grams) {
      for (const id of this.byTrigram.get(g) ?? []) {
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

  /** Listed names scoring at least `minScore` against `query`, best first. */
  search(query: string, minScore: number, limit: number): ScoredName[] {
    // A name of more than 16 words is not a name; the rest would only cost time.
    const qTokens = [...new Set(nameTokens(query))].slice(0, 16);
    if (qTokens.length === 0) return [];
    const similar = qTokens.map((t) => this.similarTokens(t));
    const qWeights = qTokens.map((t) => this.weightOf(this.tokenIds.get(t)));
    const qTotal = qWeights.reduce((a, b) => a + b, 0);

    // Upper bound per name: the query weight its tokens could at best cover.
    const touched: number[] = [];
    for (let qi = 0; qi < qTokens.length; qi++) {
      const stamp = qi;
      for (const [tokenId, sim] of similar[qi]!) {
        for (const nameId of this.postings[tokenId]!) {
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

    const results: ScoredName[] = [];
    for (const nameId of candidates) {
      const score = this.scoreName(similar, qWeights, nameId);
      if (score >= minScore) results.push({ listed: this.names[nameId]!, score });
    }
    results.sort((a, b) => b.score - a.score);
    return results.slice(0, limit);
  }

  /**
   * Order-insensitive name score: query and listed tokens aligned greedily by similarity, each pair counting
   * with both tokens' rarity weights; unmatched tokens on either side lower the score, a dropped listed token
   * (middle name) less than an added query token. A single aligned token between multi-token names counts fully
   * against its unmatched neighbours, so a shared surname alone is not a match.
   */
  private scoreName(similar: Map<number, number>[], qWeights: number[], nameId: number): number {
    const cTokens = this.nameTokenIds[nameId]!;
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
    for (const [sim, qi, ci] of pairs) {
      if (qUsed[qi] || cUsed[ci]) continue;
      qUsed[qi] = true;
      cUsed[ci] = true;
      matched++;
      const w = qWeights[qi]! + this.weights[cTokens[ci]!]!;
      num += sim * w;
      matchedWeight += w;
    }
    if (matched === 0) return 0;
    const lonely = matched === 1 && (similar.length > 1 || cTokens.length > 1);
    let unmatched = 0;
    for (let qi = 0; qi < similar.length; qi++) {
      if (!qUsed[qi]) unmatched += qWeights[qi]! * (lonely ? 1 : UNMATCHED_QUERY_WEIGHT);
    }
    for (let ci = 0; ci < cTokens.length; ci++) {
      if (!cUsed[ci]) unmatched += this.weights[cTokens[ci]!]! * (lonely ? 1 : UNMATCHED_LISTED_WEIGHT);
    }
    return num / (matchedWeight + unmatched);
  }
}
