import type { SanctionedRegion } from '@clearance/contracts';

/**
 * Subdivision names and ISO 3166-2 codes of the comprehensively sanctioned regions, matched whatever country a
 * database files them under (DB-IP: `RU`/`UA` + "Crimea", "Sebastopol City", `UA` + "Donetsk"/"Luhansk",
 * `RU` + "Luhansk"; MaxMind: `UA-43`, `UA-40`, `UA-14`, `UA-09`). Only subdivisions count, never city names:
 * DB-IP has a "Donetsk" city in Russia's Rostov oblast and a "Sevastopol'" in Kaluga.
 */
const BY_NAME: ReadonlyMap<string, SanctionedRegion> = new Map<string, SanctionedRegion>([
  ['crimea', 'crimea'],
  ['republic of crimea', 'crimea'],
  ['autonomous republic of crimea', 'crimea'],
  ['avtonomna respublika krym', 'crimea'],
  ['respublika krym', 'crimea'],
  ['krym', 'crimea'],
  ['sevastopol', 'crimea'],
  ['sebastopol', 'crimea'],
  ['sevastopol city', 'crimea'],
  ['sebastopol city', 'crimea'],
  ['city of sevastopol', 'crimea'],
  ['misto sevastopol', 'crimea'],
  ['gorod sevastopol', 'crimea'],
  ['donetsk', 'donetsk'],
  ['donetsk oblast', 'donetsk'],
  ['donetsk region', 'donetsk'],
  ['donetska oblast', 'donetsk'],
  ['donetskaya oblast', 'donetsk'],
  ['donetsk peoples republic', 'donetsk'],
  ['luhansk', 'luhansk'],
  ['lugansk', 'luhansk'],
  ['luhansk oblast', 'luhansk'],
  ['lugansk oblast', 'luhansk'],
  ['luhansk region', 'luhansk'],
  ['luhanska oblast', 'luhansk'],
  ['luganskaya oblast', 'luhansk'],
  ['luhansk peoples republic', 'luhansk'],
  ['lugansk peoples republic', 'luhansk'],
]);

const BY_CODE: ReadonlyMap<string, SanctionedRegion> = new Map<string, SanctionedRegion>([
  ['UA-43', 'crimea'],
  ['UA-40', 'crimea'],
  ['UA-14', 'donetsk'],
  ['UA-09', 'luhansk'],
  // Codes some databases use for the Russian-administered entities (not in ISO 3166-2).
  ['RU-CR', 'crimea'],
  ['RU-SEV', 'crimea'],
  ['RU-DPR', 'donetsk'],
  ['RU-LPR', 'luhansk'],
]);

/** Lower case, no diacritics, apostrophes or punctuation, single spaces: "Luhans’ka Oblast’" → "luhanska oblast". */
export function normaliseRegionName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’ʼ`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The sanctioned region a subdivision (by name or `CC-XX` ISO code) belongs to, if any. */
export function sanctionedRegionOf(
  subdivisionName?: string,
  subdivisionCode?: string,
): SanctionedRegion | undefined {
  if (subdivisionCode) {
    const byCode = BY_CODE.get(subdivisionCode.toUpperCase());
    if (byCode) return byCode;
  }
  return subdivisionName ? BY_NAME.get(normaliseRegionName(subdivisionName)) : undefined;
}
