import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError } from '@clearance/policy';
import { parseIpAddress } from '../ip.address';
import { parseOperatorLists } from './operator-lists.parser';

const FILE = 'operator-lists.yaml';
const EXAMPLE = join(__dirname, '..', '..', '..', 'data', 'operator-lists.example.yaml');

/** Parses `text` as the file FILE; wrap in `expect(() => …)` to check what it throws. */
const parse = (text: string) => () => parseOperatorLists(FILE, text);

describe(parseOperatorLists.name, () => {
  it('tags every CIDR with its list and label', () => {
    const sut = parseOperatorLists(
      FILE,
      "allow:\n  - label: acme-egress\n    cidrs: ['8.8.8.0/24', '2001:db8::/32']\ndeny:\n  - { label: abuse, cidrs: [198.51.100.7] }\n",
    );

    expect(sut.size).toBe(3);
    expect(sut.match(parseIpAddress('8.8.8.8'))).toEqual([
      { cidr: '8.8.8.0/24', value: { list: 'allow', label: 'acme-egress' } },
    ]);
    expect(sut.match(parseIpAddress('2001:db8::1'))[0]!.value).toEqual({
      list: 'allow',
      label: 'acme-egress',
    });
    expect(sut.match(parseIpAddress('198.51.100.7'))[0]!.value).toEqual({ list: 'deny', label: 'abuse' });
  });

  it('reads the shipped example', () => {
    expect(parseOperatorLists(EXAMPLE, readFileSync(EXAMPLE, 'utf8')).size).toBe(3);
  });

  it('reads an empty file, an empty list and a list left empty as no ranges', () => {
    for (const text of ['', 'allow: []\n', 'allow:\ndeny:\n  # none yet\n']) {
      expect(parseOperatorLists(FILE, text).size).toBe(0);
    }
  });

  it.each([
    [
      'a group without a label',
      '  - { cidrs: [10.0.0.0/8] }',
      /missing required property 'label' \(at \/allow\/0\)/,
    ],
    ['an empty label', "  - { label: '', cidrs: [10.0.0.0/8] }", /\(at \/allow\/0\/label\)/],
    [
      'cidrs that are not a list',
      '  - { label: x, cidrs: 10.0.0.0/8 }',
      /must be array \(at \/allow\/0\/cidrs\)/,
    ],
    [
      'a CIDR that is not text',
      '  - { label: x, cidrs: [10] }',
      /must be string \(at \/allow\/0\/cidrs\/0\)/,
    ],
    [
      'a key the group does not have',
      '  - { label: x, cidrs: [], note: y }',
      /unknown property 'note' \(at \/allow\/0\/note\)/,
    ],
    [
      'a CIDR that does not parse',
      '  - { label: x, cidrs: [10.0.0.0/8, 1.2.3.4/40] }',
      /not a CIDR: "1\.2\.3\.4\/40" \(at \/allow\/0\/cidrs\/1\)/,
    ],
  ])('refuses %s, naming the file, line and field', (_what, group, message) => {
    const sut = parse(`allow:\n${group}\n`);

    expect(sut).toThrow(DataFileError);
    expect(sut).toThrow(message);
    expect(sut).toThrow(/^operator-lists\.yaml:2:\d+: /);
  });

  it('names every bad CIDR of the file with its own line', () => {
    const sut = parse(
      'deny:\n  - label: x\n    cidrs:\n      - 10.0.0.0/8\n      - 300.1.1.1\n      - nope\n',
    );

    expect(sut).toThrow(
      expect.objectContaining({
        issues: [
          { file: FILE, line: 5, column: 9, path: '/deny/0/cidrs/1', message: 'not a CIDR: "300.1.1.1"' },
          { file: FILE, line: 6, column: 9, path: '/deny/0/cidrs/2', message: 'not a CIDR: "nope"' },
        ],
      }),
    );
  });

  it('refuses a misspelt list instead of silently dropping it', () => {
    expect(parse('allow: []\ndenny:\n  - { label: x, cidrs: [10.0.0.0/8] }\n')).toThrow(
      /unknown property 'denny' \(at \/denny\)/,
    );
  });

  it('refuses YAML that does not parse and a file that is not a mapping', () => {
    expect(parse("allow:\n  - label: 'x\n")).toThrow(/^operator-lists\.yaml:\d+:\d+: YAML: /);
    expect(parse('- 10.0.0.0/8\n')).toThrow(/must be object/);
  });
});
