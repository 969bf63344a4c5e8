import { CidrSet } from './cidr.set';
import { parseIpAddress } from './ip.address';

describe(CidrSet.name, () => {
  const sut = new CidrSet<string>();
  sut.add('73.15.0.0/16', 'wide');
  sut.add('73.15.20.0/24', 'narrow');
  sut.add('198.51.100.7', 'single');
  sut.add('::ffff:203.0.113.0/120', 'mapped');
  sut.add('2001:db8:1234::/48', 'v6');

  it('returns every containing entry, most specific first', () => {
    expect(sut.match(parseIpAddress('73.15.20.1')).map((e) => [e.cidr, e.value])).toEqual([
      ['73.15.20.0/24', 'narrow'],
      ['73.15.0.0/16', 'wide'],
    ]);
  });

  it('treats a bare address as a /32 and IPv4-mapped CIDRs as IPv4', () => {
    expect(sut.match(parseIpAddress('198.51.100.7')).map((e) => e.cidr)).toEqual(['198.51.100.7/32']);
    expect(sut.match(parseIpAddress('198.51.100.8'))).toEqual([]);
    expect(sut.match(parseIpAddress('203.0.113.9')).map((e) => e.value)).toEqual(['mapped']);
  });

  it('matches IPv6 prefixes', () => {
    expect(sut.match(parseIpAddress('2001:db8:1234:5::1')).map((e) => e.value)).toEqual(['v6']);
    expect(sut.match(parseIpAddress('2001:db8:1235::1'))).toEqual([]);
  });

  it('refuses text that is not a CIDR', () => {
    expect(() => sut.add('73.15.0.0/33', 'x')).toThrow(/not a CIDR/);
    expect(() => sut.add('example.com', 'x')).toThrow(/not a CIDR/);
  });
});
