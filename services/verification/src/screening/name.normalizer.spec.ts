import { canonicalToken, foldName, nameTokens, normalizeName } from './name.normalizer';

describe(normalizeName.name, () => {
  it('folds case, diacritics and punctuation', () => {
    expect(foldName('José  MÜLLER-Łukasz')).toBe('jose muller lukasz');
    expect(foldName("ISLAMIC GAMA'AT")).toBe('islamic gamaat');
  });

  it('drops legal forms written with or without dots', () => {
    expect(normalizeName('ANGLO-CARIBBEAN CO., LTD.')).toBe('anglo caribbean');
    expect(normalizeName('Banco Nacional de Cuba S.A.')).toBe('banco nacional cuba');
    expect(normalizeName('Rosneft OOO')).toBe('rosneft');
    expect(normalizeName('Siemens GmbH')).toBe('siemens');
  });

  it('drops honorifics and particles', () => {
    expect(nameTokens('AL ZAWAHIRI, Dr. Ayman')).toEqual(['zawahiri', 'ayman']);
    expect(nameTokens('Sheikh Abu Bakr bin Laden')).toEqual(['abu', 'bakr', 'laden']);
  });

  it('keeps the words when nothing else is left', () => {
    expect(normalizeName('Holding LLC')).toBe('holding');
    expect(normalizeName('LLC')).toBe('llc');
  });
});

describe(canonicalToken.name, () => {
  it.each([
    ['mohammed', 'muhammad'],
    ['mohamed', 'muhammad'],
    ['youssef', 'yusuf'],
    ['yousef', 'yusuf'],
    ['ivanoff', 'ivanov'],
    ['khaled', 'khalid'],
  ])('maps %s and %s to one spelling', (a, b) => {
    expect(canonicalToken(a)).toBe(canonicalToken(b));
  });

  it('keeps different names apart', () => {
    expect(canonicalToken('maria')).not.toBe(canonicalToken('mario'));
  });
});
