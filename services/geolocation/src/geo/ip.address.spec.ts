import ipaddr from 'ipaddr.js';
import { embeddedIpv4, InvalidIpAddressError, parseIPv4, parseIpAddress } from './ip.address';

describe(parseIpAddress.name, () => {
  it('keeps a dotted quad as it is and gives its 32-bit value', () => {
    const sut = parseIpAddress('203.0.113.7');
    expect(sut).toMatchObject({ text: '203.0.113.7', version: 4, v4: 0xcb007107 });
  });

  it('writes IPv6 in its RFC 5952 form and splits it into four words', () => {
    const sut = parseIpAddress('2001:0470:0001:0908:0000:0000:0000:9001');
    expect(sut).toMatchObject({
      text: '2001:470:1:908::9001',
      version: 6,
      w0: 0x20010470,
      w1: 0x00010908,
      w2: 0,
      w3: 0x9001,
    });
  });

  it('turns IPv4-mapped IPv6 into the IPv4 address', () => {
    expect(parseIpAddress('::ffff:152.206.0.1')).toMatchObject({
      text: '152.206.0.1',
      version: 4,
      v4: 0x98ce0001,
    });
    expect(parseIpAddress('::FFFF:98ce:1')).toMatchObject({ text: '152.206.0.1', version: 4 });
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.4 ',
    '0x7f.0.0.1',
    'localhost',
    '1::2::3',
    '::ffff:1.2.3',
  ])('rejects %j', (input) => {
    expect(() => parseIpAddress(input)).toThrow(InvalidIpAddressError);
  });

  it('reads the deprecated IPv4-compatible form as IPv6 (ipaddr.js would read it as IPv4-mapped)', () => {
    expect(parseIpAddress('::1.2.3.4')).toMatchObject({ text: '::102:304', version: 6 });
  });

  it('drops a zone id and refuses a malformed one', () => {
    expect(parseIpAddress('fe80::1%eth0').text).toBe('fe80::1');
    expect(() => parseIpAddress('fe80::1%')).toThrow(InvalidIpAddressError);
    expect(() => parseIpAddress('fe80::1%a:b')).toThrow(InvalidIpAddressError);
  });

  it('agrees with ipaddr.js on accepting and writing random IPv6 text', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = '0123456789abcdefABCDEF:.:%:::0';
    const reference = (t: string): string | undefined => {
      if (!ipaddr.IPv6.isValid(t)) return undefined;
      const a = ipaddr.IPv6.parse(t);
      a.zoneId = undefined;
      return a.isIPv4MappedAddress() ? a.toIPv4Address().toString() : a.toString();
    };
    const mismatches: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let noise = '';
      for (let k = 2 + Math.floor(rand() * 20); k > 0; k--)
        noise += alphabet[Math.floor(rand() * alphabet.length)];
      const words = Array.from({ length: 8 }, () =>
        (rand() < 0.4 ? 0 : Math.floor(rand() * 65536)).toString(16),
      );
      for (const t of [noise, words.join(':'), ipaddr.IPv6.parse(words.join(':')).toString()]) {
        if (t.includes('.') || ipaddr.IPv4.isValid(t)) continue; // dotted forms: covered above, ipaddr differs
        let mine: string | undefined;
        try {
          mine = parseIpAddress(t).text;
        } catch {
          mine = undefined;
        }
        if (mine !== reference(t)) mismatches.push(t);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('caps the echoed input in the error message', () => {
    expect(() => parseIpAddress('x'.repeat(500))).toThrow(/^not an IP address: "x{64}…"$/);
  });
});

describe(parseIPv4.name, () => {
  it('parses the edges of the range', () => {
    expect(parseIPv4('0.0.0.0')).toBe(0);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
  });
});

describe(embeddedIpv4.name, () => {
  const decode = (ip: string) => {
    const e = embeddedIpv4(parseIpAddress(ip));
    return e && { kind: e.kind, address: e.address?.text, server: e.server?.text };
  };

  it.each([
    ['2002:af2d:b001::1', { kind: '6to4', address: '175.45.176.1', server: undefined }],
    ['2002:c000:0204:1::', { kind: '6to4', address: '192.0.2.4', server: undefined }],
    // RFC 4380 §4 example: server 65.54.227.120, client 192.0.2.45 obfuscated as 3fff:fdd2
    [
      '2001:0000:4136:e378:8000:63bf:3fff:fdd2',
      { kind: 'teredo', address: '192.0.2.45', server: '65.54.227.120' },
    ],
    ['64:ff9b::192.0.2.33', { kind: 'nat64', address: '192.0.2.33', server: undefined }],
    ['64:ff9b:1::c000:221', { kind: 'nat64', address: '192.0.2.33', server: undefined }],
    ['64:ff9b:1:c000:2:2100::', { kind: 'nat64', address: undefined, server: undefined }],
    ['::192.0.2.33', { kind: 'ipv4-compatible', address: '192.0.2.33', server: undefined }],
  ])('decodes %s', (ip, expected) => {
    expect(decode(ip)).toEqual(expected);
  });

  it.each(['2001:470::1', '2003::1', '64:ff9b:2::1', '::', '::1', '2601::1', '8.8.8.8', '::ffff:8.8.8.8'])(
    'finds nothing in %s',
    (ip) => {
      expect(decode(ip)).toBeUndefined();
    },
  );
});
