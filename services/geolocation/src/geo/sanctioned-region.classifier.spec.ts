import { normaliseRegionName, sanctionedRegionOf } from './sanctioned-region.classifier';

describe(sanctionedRegionOf.name, () => {
  it.each([
    ['Crimea', undefined, 'crimea'],
    ['Sebastopol City', undefined, 'crimea'],
    ['Republic of Crimea', undefined, 'crimea'],
    ['Donetsk', undefined, 'donetsk'],
    ['Donetsk Oblast', undefined, 'donetsk'],
    ['Luhans’ka Oblast’', undefined, 'luhansk'],
    ['Lugansk', undefined, 'luhansk'],
    [undefined, 'UA-43', 'crimea'],
    [undefined, 'UA-40', 'crimea'],
    ['Some name', 'UA-14', 'donetsk'],
    [undefined, 'ua-09', 'luhansk'],
  ])('%s / %s is %s', (name, code, region) => {
    expect(sanctionedRegionOf(name, code)).toBe(region);
  });

  it.each([['Rostov'], ['Kharkivs’ka Oblast’'], ['Krasnodar Krai'], ['Kaluga'], ['California']])(
    '%s is none',
    (name) => {
      expect(sanctionedRegionOf(name)).toBeUndefined();
    },
  );
});

describe(normaliseRegionName.name, () => {
  it('drops diacritics, apostrophes and punctuation', () => {
    expect(normaliseRegionName('  Donets’ka  Oblast’ ')).toBe('donetska oblast');
    expect(normaliseRegionName("Donetsk People's Republic")).toBe('donetsk peoples republic');
  });
});
