import { NameScreener } from './name.screener';
import { defaultSources, loadSanctionsLists } from './sanctions-lists.loader';
import { parseCsl, parseOfacSdn, remarkAliases } from './sanctions.parser';
import { evaluateQuality, generateQualitySet } from './quality/screening.quality';
import { REQUIRED_KINDS } from './quality/perturbation.generator';

describe(NameScreener.name, () => {
  let sut: NameScreener;
  let lists: Awaited<ReturnType<typeof loadSanctionsLists>>;

  beforeAll(async () => {
    lists = await loadSanctionsLists(defaultSources());
    sut = new NameScreener(lists);
  });

  it('records every list with its date and content hash', () => {
    expect(sut.versions).toEqual([
      {
        name: 'ofac-sdn',
        date: '2024-05-03',
        version: expect.stringMatching(/^2024-05-03;sha256:[0-9a-f]{64}$/),
      },
      { name: 'csl', date: '2021', version: expect.stringMatching(/^2021;sha256:[0-9a-f]{64}$/) },
    ]);
    expect(sut.indexedNames).toBeGreaterThan(27_000);
  });

  it('finds an exact SDN primary name in any word order', () => {
    const result = sut.screen('Hasan Nasrallah');
    expect(result.status).toBe('match');
    expect(result.matches[0]).toMatchObject({
      list: 'ofac-sdn',
      entryId: '2686',
      listedName: 'NASRALLAH, Hasan',
      programs: ['SDGT', 'SYRIA'],
      score: 1,
    });
  });

  it('finds a person designated under EO 14024 in 2022 (not in the 2021 snapshot)', () => {
    expect(sut.screen('Sergei Kuzhugetovich Shoigu').matches[0]).toMatchObject({
      entryId: '35173',
      listedName: 'SHOIGU, Sergei Kuzhugetovich',
      programs: ['RUSSIA-EO14024'],
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

  it.each([
    ['a transposition in a short word', 'Abnk Markazi', '4632'],
    ['a one-letter typo in a short word', 'Bank Narkazi', '4632'],
    ['a dropped letter', 'Sergei Kuzhugetovich Shogu', '35173'],
    ['a doubled letter', 'Sergei Kuzhugetovich Shoiggu', '35173'],
    ['words run together', 'SergeiKuzhugetovich Shoigu', '35173'],
    ['a word split', 'Sergei Kuzhu getovich Shoigu', '35173'],
    ['a misspelt legal form', 'Rosneft Trading Copmany', '18299'],
  ])('finds %s at least as a potential match: %s', (_kind, query, entryId) => {
    const result = sut.screen(query);
    expect(result.matches.map((m) => m.entryId)).toContain(entryId);
    expect(['match', 'potential-match']).toContain(result.status);
  });

  it('finds transliteration variants and a changed legal form', () => {
    expect(sut.screen('Hassan Nasrallah').matches[0]?.entryId).toBe('2686');
    expect(sut.screen('Banco Nacional de Cuba Ltd').matches[0]).toMatchObject({ entryId: '306', score: 1 });
  });

  it('flags a dropped middle name as a potential match', () => {
    const result = sut.screen('Ivan Prokopenko');
    expect(result.status).toBe('potential-match');
    expect(result.matches[0]?.entryId).toBe('15892');
  });

  it('clears a name that is not listed', () => {
    expect(sut.screen('Jennifer Anderson')).toEqual({ status: 'clear', matches: [] });
  });

  it('does not read a listed word as a legal form run together with another word', () => {
    expect(sut.screen('Mateo Lee').matches.map((m) => m.listedName)).not.toContain('MATEO');
  });

  it('screens against the Consolidated Screening List too', () => {
    const result = sut.screen('3K Aviation Consulting and Logistics');
    expect(result.matches[0]).toMatchObject({ list: 'csl', programs: expect.arrayContaining(['EL']) });
  });

  it('serves a repeated name from the cache with the same result', () => {
    expect(sut.screen('  hasan NASRALLAH ')).toBe(sut.screen('Hasan Nasrallah'));
  });

  it('calls the shipped lists stale past the production bound, and not with a bound that covers them', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    expect(sut.staleLists(now).map((l) => l.name)).toEqual(['ofac-sdn', 'csl']);
    expect(new NameScreener(lists, 100, 3650).staleLists(now)).toEqual([]);
  });

  it('meets the quality goals on the independent perturbation set (recall >= 99 % per kind, false positives <= 1 %)', () => {
    const set = generateQualitySet(lists);
    const report = evaluateQuality(sut, set);
    for (const kind of REQUIRED_KINDS) {
      expect([kind, report.recallByKind[kind]!.recall]).toEqual([kind, expect.any(Number)]);
      expect(report.recallByKind[kind]!.cases).toBeGreaterThanOrEqual(250);
      expect({ kind, recall: report.recallByKind[kind]!.recall >= 0.99 }).toEqual({ kind, recall: true });
    }
    expect(report.recallByKind['exact']!.recall).toBe(1);
    expect(report.cleanCases).toBeGreaterThanOrEqual(1000);
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
    expect(list.date).toBe('2021-07');
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

describe(remarkAliases.name, () => {
  it('reads a.k.a. / f.k.a. / n.k.a. names, keeping an apostrophe inside a name', () => {
    expect(
      remarkAliases("DOB 1960; a.k.a. 'ABU-'UMAR'; f.k.a. 'OLD NAME, LLC'; n.k.a. 'NEW NAME'; Gender Male."),
    ).toEqual(["ABU-'UMAR", 'OLD NAME, LLC', 'NEW NAME']);
    expect(remarkAliases(undefined)).toEqual([]);
  });
});

describe('parseOfacSdn with Remarks aliases', () => {
  it('uses Remarks aliases only for entries without an alt.csv row, and ignores rows of delisted entries', () => {
    const list = parseOfacSdn(
      {
        sdn:
          `306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a.k.a. 'BNC'."\r\n` +
          `35173,"SHOIGU, Sergei Kuzhugetovich","individual","RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a.k.a. 'SHOYGU, Sergey'."\r\n`,
        alt: '306,1,"aka","NATIONAL BANK OF CUBA",-0- \r\n1572,2,"aka","DELISTED ALIAS",-0- \r\n',
      },
      '2024-05-03',
      'h',
    );
    expect(list.names.map((n) => [n.entry.entryId, n.name, n.alias])).toEqual([
      ['306', 'BANCO NACIONAL DE CUBA', false],
      ['35173', 'SHOIGU, Sergei Kuzhugetovich', false],
      ['306', 'NATIONAL BANK OF CUBA', true],
      ['35173', 'SHOYGU, Sergey', true],
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
