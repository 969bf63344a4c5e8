import commonNames from './common-names.json';
import type { LoadedList } from '../sanctions.parser';
import { POTENTIAL_MATCH_THRESHOLD, type NameScreener } from '../name.screener';
import { generateQualityCases, type PerturbedCase, type QualityCases } from './perturbation.generator';

export type { PerturbedCase, QualityCases };

/** The quality set over loaded lists: their primary names (vessels and aircraft left out) fed to the generator. */
export function generateQualitySet(
  lists: readonly LoadedList[],
  options?: Parameters<typeof generateQualityCases>[3],
): QualityCases {
  const primaries = lists
    .flatMap((l) => l.names)
    .filter((n) => !n.alias && n.entry.type !== 'vessel' && n.entry.type !== 'aircraft')
    .map((n) => ({ entryId: n.entry.entryId, name: n.name, individual: n.entry.type === 'individual' }));
  const everyName = lists.flatMap((l) => l.names.map((n) => n.name));
  return generateQualityCases(primaries, commonNames, everyName, options);
}

export interface QualityReport {
  listedCases: number;
  recall: number;
  recallByKind: Record<string, { cases: number; recall: number }>;
  misses: (PerturbedCase & { best?: { entryId: string; score: number } })[];
  cleanCases: number;
  falsePositiveRate: number;
  falsePositives: { query: string; listedName: string; score: number }[];
  droppedAsListed: number;
}

/** Recall at the potential-match band (the right entry among the matches) and false positives on common names. */
export function evaluateQuality(screener: NameScreener, set: QualityCases): QualityReport {
  const byKind: Record<string, { cases: number; hits: number }> = {};
  const misses: QualityReport['misses'] = [];
  for (const c of set.listed) {
    const k = (byKind[c.kind] ??= { cases: 0, hits: 0 });
    k.cases++;
    const result = screener.screenUncached(c.query);
    if (result.matches.some((m) => m.entryId === c.entryId && m.score >= POTENTIAL_MATCH_THRESHOLD)) k.hits++;
    else {
      const top = result.matches[0];
      misses.push({ ...c, best: top && { entryId: top.entryId, score: top.score } });
    }
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
