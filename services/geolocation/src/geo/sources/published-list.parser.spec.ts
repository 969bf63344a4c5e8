import type { AnonymizerSignalV1 } from '@clearance/contracts';
import { parsePublishedList } from './published-list.parser';

const vpn = (cidr: string): AnonymizerSignalV1 => ({ kind: 'vpn', source: 'x4bnet-vpn', detail: cidr });

describe(parsePublishedList.name, () => {
  it('reads one CIDR a line with its signal built once, skipping comments and blank lines', () => {
    const sut = parsePublishedList(
      '# feed\n198.51.100.0/24\n\n2001:db8::/32 trailing words\n',
      'x4bnet-vpn',
      vpn,
    );

    expect(sut).toEqual([
      ['198.51.100.0/24', { kind: 'vpn', source: 'x4bnet-vpn', detail: '198.51.100.0/24' }],
      ['2001:db8::/32', { kind: 'vpn', source: 'x4bnet-vpn', detail: '2001:db8::/32' }],
    ]);
    expect(Object.isFrozen(sut[0]![1])).toBe(true);
  });

  it('refuses a line that is not written as a CIDR, naming the list and the line', () => {
    expect(() =>
      parsePublishedList('198.51.100.0/24\nexample.com\n', 'x4bnet-vpn vpn-ipv4.txt', vpn),
    ).toThrow('x4bnet-vpn vpn-ipv4.txt line 2: not a CIDR: "example.com"');
  });

  it.each([
    ['a prefix longer than IPv4 has', '198.51.100.0/33'],
    ['a prefix longer than IPv6 has', '2001:db8::/129'],
    ['an address out of range', '198.51.100.256/24'],
  ])('refuses %s, naming the line', (_what, cidr) => {
    expect(() => parsePublishedList(`198.51.100.0/24\n${cidr}\n`, 'x4bnet-vpn ipv4.txt', vpn)).toThrow(
      `x4bnet-vpn ipv4.txt line 2: not a CIDR: ${JSON.stringify(cidr)}`,
    );
  });
});
