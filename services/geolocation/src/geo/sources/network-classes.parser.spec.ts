import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError } from '@clearance/policy';
import { parseNetworkClasses } from './network-classes.parser';

const FILE = 'network-classes.yaml';
const SHIPPED = join(__dirname, '..', '..', '..', 'data', 'network-classes.yaml');

const VALID = `version: '2026-12-01'
asns:
  - { asn: 16509, name: Amazon Web Services, classes: [hosting], source: registry name }
  - { asn: 9009, name: M247, classes: [hosting, vpn], source: hosts VPN exits }
regionOperators:
  - { asn: 39089, region: donetsk, name: Ugletelecom, source: registry name }
relayOperators:
  - { asn: 36183, name: Akamai (iCloud Private Relay), source: Apple egress ranges }
`;

/** Parses `text` as the file FILE; wrap in `expect(() => …)` to check what it throws. */
const parse = (text: string) => () => parseNetworkClasses(FILE, text);

describe(parseNetworkClasses.name, () => {
  it('reads the ASN classes, region and relay operators, with one frozen signal per class', () => {
    const sut = parseNetworkClasses(FILE, VALID);

    expect(sut.version).toBe('2026-12-01');
    expect(sut.byAsn.get(9009)).toEqual({
      asn: 9009,
      name: 'M247',
      classes: ['hosting', 'vpn'],
      source: 'hosts VPN exits',
      signals: [
        { kind: 'hosting', source: 'hosting-asn', detail: 'AS9009 M247' },
        { kind: 'vpn', source: 'vpn-asn', detail: 'AS9009 M247' },
      ],
    });
    expect(Object.isFrozen(sut.byAsn.get(9009)!.signals[0])).toBe(true);
    expect(sut.regionByAsn.get(39089)).toEqual({
      asn: 39089,
      region: 'donetsk',
      name: 'Ugletelecom',
      source: 'registry name',
    });
    expect(sut.relayByAsn.get(36183)!.name).toBe('Akamai (iCloud Private Relay)');
  });

  it('reads the shipped file', () => {
    const sut = parseNetworkClasses(SHIPPED, readFileSync(SHIPPED, 'utf8'));

    expect([sut.byAsn.size, sut.regionByAsn.size, sut.relayByAsn.size]).toEqual([50, 10, 4]);
  });

  it('reads an operator section left empty as no entries, and a missing version as unversioned', () => {
    const sut = parseNetworkClasses(
      FILE,
      'asns:\n  - { asn: 1, name: X, classes: [hosting], source: s }\nregionOperators:\nrelayOperators: []\n',
    );

    expect(sut.version).toBe('unversioned');
    expect([sut.byAsn.size, sut.regionByAsn.size, sut.relayByAsn.size]).toEqual([1, 0, 0]);
  });

  it('refuses a file without ASN classes: it would switch hosting and VPN detection by ASN off', () => {
    expect(parse('# nothing yet\n')).toThrow(/network-classes\.yaml:1:1: missing required property 'asns'/);
    expect(parse('asns:\nregionOperators: []\n')).toThrow(/must be array \(at \/asns\)/);
    expect(parse('asns: []\n')).toThrow(/must NOT have fewer than 1 items \(at \/asns\)/);
  });

  it('refuses an ASN listed twice in a section, naming the second entry', () => {
    const sut = parse(
      'asns:\n  - { asn: 9009, name: M247, classes: [hosting], source: s }\n  - { asn: 9009, name: M247 VPN, classes: [vpn], source: s }\nrelayOperators:\n  - { asn: 36183, name: A, source: s }\n  - { asn: 36183, name: B, source: s }\n',
    );

    expect(sut).toThrow(
      expect.objectContaining({
        issues: [
          expect.objectContaining({
            line: 3,
            path: '/asns/1/asn',
            message: 'AS9009 is listed twice in asns',
          }),
          expect.objectContaining({
            line: 6,
            path: '/relayOperators/1/asn',
            message: 'AS36183 is listed twice in relayOperators',
          }),
        ],
      }),
    );
  });

  it.each([
    [
      'an ASN that is not a positive integer',
      '  - { asn: 0, name: X, classes: [hosting], source: s }',
      /must be >= 1 \(at \/asns\/0\/asn\)/,
    ],
    [
      'an ASN written as text',
      "  - { asn: '16509', name: X, classes: [hosting], source: s }",
      /must be integer \(at \/asns\/0\/asn\)/,
    ],
    [
      'a missing source',
      '  - { asn: 1, name: X, classes: [hosting] }',
      /missing required property 'source' \(at \/asns\/0\)/,
    ],
    ['an empty name', "  - { asn: 1, name: '', classes: [hosting], source: s }", /\(at \/asns\/0\/name\)/],
    ['no class', '  - { asn: 1, name: X, classes: [], source: s }', /\(at \/asns\/0\/classes\)/],
    [
      'an unknown class',
      '  - { asn: 1, name: X, classes: [hostin], source: s }',
      /'hostin' is not allowed here; expected one of: hosting, vpn \(at \/asns\/0\/classes\/0\)/,
    ],
    [
      'a key the entry does not have',
      '  - { asn: 1, name: X, classes: [vpn], source: s, region: crimea }',
      /unknown property 'region' \(at \/asns\/0\/region\)/,
    ],
  ])('refuses %s, naming the file, line and field', (_what, entry, message) => {
    const sut = parse(`version: '1'\nasns:\n${entry}\n`);

    expect(sut).toThrow(DataFileError);
    expect(sut).toThrow(message);
    expect(sut).toThrow(/^network-classes\.yaml:3:\d+: /);
  });

  it('refuses a region operator of a region that is not sanctioned', () => {
    expect(parse('regionOperators:\n  - { asn: 1, region: kherson, name: X, source: s }\n')).toThrow(
      /network-classes\.yaml:2:\d+: 'kherson' is not allowed here; expected one of: crimea, donetsk, luhansk \(at \/regionOperators\/0\/region\)/,
    );
  });

  it('refuses a misspelt section instead of silently dropping its entries', () => {
    expect(parse('asns: []\nregionOperator:\n  - { asn: 1, region: crimea, name: X, source: s }\n')).toThrow(
      /unknown property 'regionOperator' \(at \/regionOperator\)/,
    );
  });

  it('refuses a version that is not text, a section that is not a list and a file that is not a mapping', () => {
    expect(parse('version: 3\n')).toThrow(/network-classes\.yaml:1:\d+: must be string \(at \/version\)/);
    expect(parse('asns: { asn: 1 }\n')).toThrow(/must be array \(at \/asns\)/);
    expect(parse('- asn: 1\n')).toThrow(/must be object/);
  });

  it('reports every problem of the file, each on its own line', () => {
    const sut = parse(
      'asns:\n  - { asn: -1, name: X, classes: [hosting], source: s }\n  - { asn: 2, name: Y, classes: [tor], source: s }\n',
    );

    expect(sut).toThrow(
      expect.objectContaining({
        issues: [
          expect.objectContaining({ file: FILE, line: 2, path: '/asns/0/asn' }),
          expect.objectContaining({ file: FILE, line: 3, path: '/asns/1/classes/0' }),
        ],
      }),
    );
  });

  it('refuses YAML that does not parse, or a key written twice, with its line', () => {
    expect(parse('asns:\n  - { asn: 1, name: X\n')).toThrow(/^network-classes\.yaml:\d+:\d+: YAML: /);
    expect(parse("version: '1'\nversion: '2'\n")).toThrow(/^network-classes\.yaml:2:\d+: YAML: .*unique/i);
  });
});
