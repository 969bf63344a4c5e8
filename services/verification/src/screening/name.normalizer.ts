/**
 * Name normalisation for denied-party screening: what people do to names (case, diacritics, punctuation, legal
 * forms, honorifics, transliteration) is undone here, so that matching compares like with like.
 */

/** Legal-form words dropped from entity names (after dots were removed, so `S.A.` is `sa`). */
export const LEGAL_FORMS: ReadonlySet<string> = new Set([
  'llc',
  'llp',
  'lp',
  'ltd',
  'ltda',
  'limited',
  'co',
  'company',
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'plc',
  'pllc',
  'ooo',
  'oao',
  'zao',
  'pao',
  'ao',
  'jsc',
  'pjsc',
  'ojsc',
  'cjsc',
  'tov',
  'fzco',
  'fze',
  'fzc',
  'gmbh',
  'mbh',
  'ag',
  'kg',
  'ohg',
  'ug',
  'sa',
  'sas',
  'sarl',
  'sl',
  'srl',
  'spa',
  'sae',
  'sal',
  'sdn',
  'bhd',
  'bv',
  'nv',
  'ab',
  'as',
  'asa',
  'oy',
  'oyj',
  'aps',
  'pte',
  'pty',
  'pvt',
  'kk',
  'cv',
  'sc',
  'est',
  'establishment',
  'dmcc',
  'eood',
  'ood',
  'ead',
]);

/** Honorifics and titles that are not part of the name. */
export const HONORIFICS: ReadonlySet<string> = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'dr',
  'prof',
  'sir',
  'dame',
  'sheikh',
  'shaykh',
  'shaikh',
  'sheik',
  'haji',
  'hajji',
  'hadji',
  'mullah',
  'mulla',
  'maulana',
  'maulvi',
  'mawlawi',
  'sayyed',
  'gen',
  'general',
  'col',
  'colonel',
  'capt',
  'captain',
  'maj',
  'major',
  'lt',
  'eng',
  'engineer',
  'imam',
  'ayatollah',
  'hojatoleslam',
  'jr',
  'sr',
]);

/** Connecting particles: carry little identity, so they are dropped (`bin`, `al`, `de`, `van`, `of`…). */
export const PARTICLES: ReadonlySet<string> = new Set([
  'al',
  'el',
  'ul',
  'bin',
  'ben',
  'ibn',
  'bint',
  'de',
  'da',
  'di',
  'del',
  'della',
  'dos',
  'das',
  'do',
  'du',
  'la',
  'le',
  'van',
  'von',
  'der',
  'den',
  'y',
  'e',
  'the',
  'of',
  'and',
  'und',
  'et',
  'for',
]);

/** Common romanisation variants of the same given name, mapped to one spelling. */
const NAME_VARIANTS: Record<string, readonly string[]> = {
  muhammad: [
    'mohammed',
    'mohammad',
    'mohamed',
    'mohamad',
    'muhammed',
    'muhamed',
    'muhamad',
    'mohamud',
    'mohd',
    'mhd',
    'mehmet',
    'mehmed',
    'mohammet',
    'muhammet',
  ],
  ahmad: ['ahmed', 'ahmet', 'achmed', 'akhmed', 'akhmad'],
  yusuf: ['youssef', 'yousef', 'yousuf', 'yusef', 'yousif', 'yusif', 'jusuf', 'youcef', 'yossef'],
  husayn: ['hussein', 'husain', 'hussain', 'husein', 'hosein', 'hossein', 'hussayn', 'houssein', 'hossain'],
  hasan: ['hassan', 'hasen', 'hassen', 'hesen'],
  mahmud: ['mahmoud', 'mahmood', 'makhmud'],
  abd: ['abdul', 'abdel', 'abdal', 'abdol', 'abdu', 'abdi'],
  abdallah: ['abdullah', 'abdulla', 'abdellah', 'abdalla', 'abdoulah'],
  usama: ['osama', 'oussama', 'usamah'],
  umar: ['omar', 'omer', 'umer'],
  said: ['saeed', 'sayed', 'sayyid', "sa'id", 'saied', 'saiid'],
  khalid: ['khaled', 'halid', 'haled'],
  ibrahim: ['ebrahim', 'ibraheem', 'brahim'],
  mustafa: ['mostafa', 'moustafa', 'mustapha', 'mostapha'],
  ali: ['aly', 'alee'],
  yaqub: ['yakub', 'yacoub', 'yaqoub', 'jakub', 'yakoub'],
  abu: ['abou', 'abo'],
  aleksandr: ['alexander', 'alexandr', 'aleksander', 'oleksandr', 'alexandre'],
  sergei: ['sergey', 'serguei', 'serhiy', 'sergiy'],
  yuri: ['yury', 'yuriy', 'iouri', 'iurii', 'jurij', 'yurii'],
  dmitri: ['dmitry', 'dmitrii', 'dmitriy', 'dimitri', 'dmytro'],
  andrei: ['andrey', 'andrii', 'andriy', 'andrej'],
  nikolai: ['nikolay', 'mykola', 'nicolai', 'nikolaj'],
  aleksei: ['alexei', 'alexey', 'aleksey', 'alexej', 'oleksiy'],
  yevgeni: ['evgeny', 'evgeni', 'yevgeny', 'yevgeniy', 'evgenii', 'evgeniy', 'yevhen'],
  mikhail: ['michail', 'mihail', 'mykhailo'],
  vladimir: ['volodymyr', 'wladimir'],
  viktor: ['victor'],
  igor: ['ihor'],
};

/** Letters NFKD does not decompose. */
const SPECIAL_LETTERS: Record<string, string> = {
  ß: 'ss',
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
};
const SPECIAL_RE = new RegExp(`[${Object.keys(SPECIAL_LETTERS).join('')}]`, 'g');

/** Lower case, no diacritics, no punctuation; dots and apostrophes vanish (`S.A.` → `sa`, `Gama'at` → `gamaat`). */
export function foldName(raw: string): string {
  return raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(SPECIAL_RE, (c) => SPECIAL_LETTERS[c] ?? c)
    .replace(/[.'`’‘ʻʼ´]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Every token of the folded name, particles and legal forms included. */
export function foldedTokens(raw: string): string[] {
  return foldName(raw)
    .split(' ')
    .filter((t) => t.length > 0);
}

/** A legal form, honorific or particle: a word that carries no identity. */
export function isDroppedWord(token: string): boolean {
  return LEGAL_FORMS.has(token) || HONORIFICS.has(token) || PARTICLES.has(token);
}

/** The identity-carrying tokens among folded ones. Falls back to all tokens when filtering leaves nothing. */
export function identityTokens(all: readonly string[]): string[] {
  const kept = all.filter((t) => !isDroppedWord(t));
  if (kept.length > 0) return kept;
  const noParticles = all.filter((t) => !PARTICLES.has(t));
  return noParticles.length > 0 ? noParticles : [...all];
}

/** The identity-carrying tokens of a name, in order. Falls back to all tokens when filtering leaves nothing. */
export function nameTokens(raw: string): string[] {
  return identityTokens(foldedTokens(raw));
}

/** The normalised name: its tokens joined by one space (the cache key). */
export function normalizeName(raw: string): string {
  return nameTokens(raw).join(' ');
}

const TRANSLIT_RULES: readonly (readonly [RegExp, string])[] = [
  [/shch/g, 'sh'],
  [/sch/g, 'sh'],
  [/(dzh|dj|zh)/g, 'j'],
  [/kh/g, 'h'],
  [/gh/g, 'g'],
  [/ph/g, 'f'],
  [/th/g, 't'],
  [/dh/g, 'd'],
  [/ck/g, 'k'],
  [/q/g, 'k'],
  [/x/g, 'ks'],
  [/w/g, 'v'],
  [/tz/g, 'ts'],
  [/y/g, 'i'],
  [/(ou|oo)/g, 'u'],
  [/ee/g, 'i'],
  [/([a-z])\1+/g, '$1'],
  [/(of|off|ow)$/g, 'ov'],
  [/(ef|eff|iev|yev)$/g, 'ev'],
];

/**
 * A token's transliteration-neutral spelling: known given-name variants mapped to one form, then rewrite rules for
 * the usual romanisation differences (kh/h, ph/f, q/k, w/v, y/i, ou/u, doubled letters, -off/-ov).
 */
export function canonicalToken(token: string): string {
  const ruled = applyRules(token);
  return VARIANT_OF.get(ruled) ?? ruled;
}

function applyRules(token: string): string {
  let out = token;
  for (const [re, to] of TRANSLIT_RULES) out = out.replace(re, to);
  return out;
}

/** Variant spellings (after the rewrite rules) → the canonical spelling (after the rules too). */
const VARIANT_OF: ReadonlyMap<string, string> = new Map(
  Object.entries(NAME_VARIANTS).flatMap(([canonical, variants]) =>
    [canonical, ...variants].map((v) => [applyRules(v.replace(/'/g, '')), applyRules(canonical)] as const),
  ),
);

/** Consonant skeleton of the canonical token (first letter kept): a coarse key for candidate generation. */
export function skeletonKey(canonical: string): string {
  if (canonical.length <= 1) return canonical;
  return canonical[0] + canonical.slice(1).replace(/[aeiou]/g, '');
}
