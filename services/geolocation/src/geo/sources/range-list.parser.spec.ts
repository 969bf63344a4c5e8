import { parseIpAddress } from '../ip.address';
import { parseRangeList } from './range-list.parser';

describe(parseRangeList.name, () => {
  it('reads `CIDR [label]` lines; the label, or the CIDR, is the detail', () => {
    const sut = parseRangeList('# ours\n203.0.113.0/24 acme vpn exits\n\n2001:db8::/32\n', 'vpn-ranges');

    expect(sut.size).toBe(2);
    expect(sut.match(parseIpAddress('203.0.113.9'))[0]!.value).toBe('acme vpn exits');
    expect(sut.match(parseIpAddress('2001:db8::1'))[0]!.value).toBe('2001:db8::/32');
  });

  it('reads a file of comments only as no ranges', () => {
    expect(parseRangeList('# none yet\n', 'proxy-ranges').size).toBe(0);
  });

  it('refuses a line that is not a CIDR, naming the list and the line', () => {
    expect(() => parseRangeList('203.0.113.0/24\n203.0.113.0/33 x\n', 'vpn-ranges vpn.txt')).toThrow(
      'vpn-ranges vpn.txt line 2: not a CIDR: "203.0.113.0/33"',
    );
  });
});
