import { CidrSet } from './cidr.set';
import { parseIpAddress } from './ip.address';
import { RangeIndex } from './range.index';

describe(RangeIndex.name, () => {
  const at = (sut: RangeIndex<string>, ip: string) => [...sut.lookup(parseIpAddress(ip))].sort();

  it('finds every CIDR containing an address, nested and overlapping ones too', () => {
    const sut = RangeIndex.build([
      ['10.0.0.0/8', 'a'],
      ['10.1.0.0/16', 'b'],
      ['10.1.2.0/24', 'c'],
      ['10.1.2.3', 'd'],
      ['192.0.2.0/24', 'e'],
      ['2001:db8::/32', 'f'],
      ['2001:db8:1::/48', 'g'],
      ['::ffff:198.51.100.0/120', 'h'],
    ]);
    expect(at(sut, '10.1.2.3')).toEqual(['a', 'b', 'c', 'd']);
    expect(at(sut, '10.1.2.4')).toEqual(['a', 'b', 'c']);
    expect(at(sut, '10.1.3.0')).toEqual(['a', 'b']);
    expect(at(sut, '10.255.255.255')).toEqual(['a']);
    expect(at(sut, '11.0.0.0')).toEqual([]);
    expect(at(sut, '9.255.255.255')).toEqual([]);
    expect(at(sut, '2001:db8:1:ffff::1')).toEqual(['f', 'g']);
    expect(at(sut, '2001:db8:2::1')).toEqual(['f']);
    expect(at(sut, '2001:db9::')).toEqual([]);
    expect(at(sut, '198.51.100.77')).toEqual(['h']);
    expect(sut).toMatchObject({ size: 8, v4Count: 6, v6Count: 2 });
  });

  it('covers the edges of the address space', () => {
    const sut = RangeIndex.build([
      ['0.0.0.0/0', 'all4'],
      ['255.255.255.255/32', 'last4'],
      ['::/0', 'all6'],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', 'last6'],
    ]);
    expect(at(sut, '0.0.0.0')).toEqual(['all4']);
    expect(at(sut, '255.255.255.255')).toEqual(['all4', 'last4']);
    expect(at(sut, '::2')).toEqual(['all6']);
    expect(at(sut, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toEqual(['all6', 'last6']);
  });

  it('answers as CidrSet does on random lists and addresses', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const cidrs: string[] = [];
    for (let i = 0; i < 400; i++) {
      cidrs.push(`${10 + rand(3)}.${rand(4)}.${rand(256)}.0/${16 + rand(17)}`);
      cidrs.push(`2001:db8:${rand(4).toString(16)}:${rand(65536).toString(16)}::/${32 + rand(33)}`);
    }
    const set = new CidrSet<string>();
    const valid = cidrs.filter((c) => {
      try {
        set.add(c, c);
        return true;
      } catch {
        return false;
      }
    });
    const sut = RangeIndex.build(valid.map((c) => [c, c] as const));
    for (let i = 0; i < 3000; i++) {
      const ip =
        i % 2 === 0
          ? `${10 + rand(3)}.${rand(4)}.${rand(256)}.${rand(256)}`
          : `2001:db8:${rand(4).toString(16)}:${rand(65536).toString(16)}::${rand(65536).toString(16)}`;
      const a = parseIpAddress(ip);
      expect([ip, [...sut.lookup(a)].sort()]).toEqual([
        ip,
        set
          .match(a)
          .map((m) => m.value)
          .sort(),
      ]);
    }
  });

  it('refuses text that is not a CIDR, naming it', () => {
    expect(() => RangeIndex.build([['10.0.0.0/33', 'x']])).toThrow('not a CIDR: "10.0.0.0/33"');
  });
});
