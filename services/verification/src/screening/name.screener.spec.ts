import { NameScreener } from './name.screener';
import { defaultSources, loadSanctionsLists } from './sanctions.files';
import { parseCsl, parseOfacSdn } from './sanctions.loader';
import { evaluateQuality, generateQualitySet } from './quality/screening.quality';

describe(NameScreener.name, () => {
  let sut: NameScreener;
  let lists: Awaited<ReturnType<typeof loadSanctionsLists>>;

  beforeAll(async () => {
    lists = await loadSanctionsLists(defaultSources());
    sut = new NameScreener(lists);
  });

  it('records every list with its date and content hash', () => {
    expect(sut.versions).toEqual([
      { name: 'ofac-sdn', version: expect.stringMatching(/^2021-07;sha256:[0-9a-f]{64}$/) },
      { name: 'csl', version: expect.stringMatching(/^2021;sha256:[0-9a-f]{64}$/) },
    ]);
    expect(sut.indexedNames).toBeGreaterThan(17_000);
  });

  it('finds an exact SDN primary name in any word order', () => {
    const result = sut.screen('Manuel Antonio Noriega');
    expect(result.status).toBe('match');
    expect(result.matches[0]).toMatchObject({
      list: 'ofac-sdn',
      entryId: '1572',
      listedName: 'NORIEGA, Manuel Antonio',
      programs: ['CUBA'],
      score: 1,
    });
  });

  it('finds an SDN alias', () => {
    const result = sut.screen('National Bank of Cuba');
    expect(result.status).toBe('match');
    expect(result.matches[0]).toMatchObject({
      entryId: '306',
      listedName: 'NATIONAL BANK OF CUBA',
      alias: true,
    });
  });

  it('finds a misspelt name as at least a potential match', () => {
    const result = sut.screen('Hasan Nasralah');
    expect(['match', 'potential-match']).toContain(result.status);
    expect(result.matches[0]?.entryId).toBe('2686');
  });

  it('finds transliteration variants and a changed legal form', () => {
    expect(sut.screen('Hassan Nasrallah').matches[0]?.entryId).toBe('2686');
    expect(sut.screen('Banco Nacional de Cuba Ltd').matches[0]).toMatchObject({ entryId: '306', score: 1 });
  });

  it('flags a dropped middle name as a potential match', () => {
    const result = sut.screen('Manuel Noriega');
    expect(result.status).toBe('potential-match');
    expect(result.matches[0]?.entryId).toBe('1572');
  });

  it('clears a name that is not listed', () => {
    expect(sut.screen('Jennifer Anderson')).toEqual({ status: 'clear', matches: [] });
  });

  it('screens against the Consolidated Screening List too', () => {
    const result = sut.screen('3K Aviation Consulting and Logistics');
    expect(result.matches[0]).toMatchObject({ list: 'csl', programs: expect.arrayContaining(['EL']) });
  });

  it('serves a repeated name from the cache with the same result', () => {
    expect(sut.screen('  manuel ANTONIO noriega ')).toBe(sut.screen('Manuel Antonio Noriega'));
  });

  it('meets the quality goals on the generated test set (recall >= 95 %, false positives <= 1 %)', () => {
    const set = generateQualitySet(lists);
    const report = evaluateQuality(sut, set);
    expect(report.recall).toBeGreaterThanOrEqual(0.95);
    expect(report.falsePositiveRate).toBeLessThanOrEqual(0.01);
  });
});

describe(parseOfacSdn.name, () => {
  it('reads the official layout with aliases, addresses and several programmes', () => {
    const list = parseOfacSdn(
      {
        sdn: '4632,"BANK MARKAZI",-0- ,"IRAN] [SDGT] [IRGC",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a',
        alt: '4632,1,"aka","CENTRAL BANK OF IRAN",-0- \r\n',
        add: '4632,2,"Ferdowsi Avenue","Tehran","Iran",-0- \r\n',
      },
      '2021-07',
      'abc',
    );
    expect(list.version).toBe('2021-07;sha256:abc');
    expect(list.entries).toEqual([
      {
        list: 'ofac-sdn',
        entryId: '4632',
        primaryName: 'BANK MARKAZI',
        type: 'entity',
        programs: ['IRAN', 'SDGT', 'IRGC'],
        countries: ['Iran'],
      },
    ]);
    expect(list.names.map((n) => [n.name, n.alias])).toEqual([
      ['BANK MARKAZI', false],
      ['CENTRAL BANK OF IRAN', true],
    ]);
  });
});

describe(parseCsl.name, () => {
  it('reads the header layout, alt names and a source code as entry id prefix', () => {
    const csv =
      'source,entity_number,type,programs,name,alt_names\n' +
      'Entity List (EL) - Bureau of Industry and Security,,,,"32 Group China Ltd.","A; B"\n';
    const list = parseCsl(csv, '2021', 'h');
    expect(list.entries[0]).toMatchObject({
      list: 'csl',
      primaryName: '32 Group China Ltd.',
      programs: ['EL'],
    });
    expect(list.entries[0]!.entryId).toMatch(/^EL-[0-9a-f]{12}$/);
    expect(list.names.map((n) => n.name)).toEqual(['32 Group China Ltd.', 'A', 'B']);
  });
});
