import { AsnIndex, unquote } from './asn.index';
import { parseIpAddress } from './ip.address';

const V4 = [
  '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."',
  '1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd',
  '8.8.8.0,8.8.8.255,15169,Google LLC',
  '214.95.0.0,215.0.255.255,749,United States Department of Defense (DoD)',
  '215.0.0.0,215.1.3.255,721,DoD Network Information Center',
].join('\n');
const V6 = [
  '2000::,2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff,64500,Example Wide',
  '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC',
  '2a05:d018::,2a05:d018:ffff:ffff:ffff:ffff:ffff:ffff,16509,"Amazon.com, Inc."',
].join('\r\n');

describe(AsnIndex.name, () => {
  const sut = AsnIndex.fromCsv(V4, V6);

  it('finds the range an address falls in, at both ends and inside', () => {
    expect(sut.lookup(parseIpAddress('1.0.0.0'))).toEqual({ asn: 13335, organization: 'Cloudflare, Inc.' });
    expect(sut.lookup(parseIpAddress('1.0.0.255'))?.asn).toBe(13335);
    expect(sut.lookup(parseIpAddress('1.0.5.9'))?.asn).toBe(38803);
    expect(sut.lookup(parseIpAddress('2001:4860:4860::8888'))).toEqual({
      asn: 15169,
      organization: 'Google LLC',
    });
    expect(sut.lookup(parseIpAddress('2a05:d018:1::1'))?.organization).toBe('Amazon.com, Inc.');
    expect(sut.lookup(parseIpAddress('2000:ffff::1'))?.asn).toBe(64500);
  });

  it('finds nothing in the gaps and outside every range', () => {
    expect(sut.lookup(parseIpAddress('1.0.1.0'))).toBeUndefined();
    expect(sut.lookup(parseIpAddress('0.255.255.255'))).toBeUndefined();
    expect(sut.lookup(parseIpAddress('255.0.0.1'))).toBeUndefined();
    expect(sut.lookup(parseIpAddress('2001:4861::1'))).toBeUndefined();
  });

  it('lets the later row win where the published data overlaps', () => {
    expect(sut.clippedRows).toBe(1);
    expect(sut.lookup(parseIpAddress('214.255.0.1'))?.asn).toBe(749);
    expect(sut.lookup(parseIpAddress('215.0.0.1'))?.asn).toBe(721);
  });

  it('shares one info object per ASN and name', () => {
    expect(sut.lookup(parseIpAddress('8.8.8.8'))).toBe(sut.lookup(parseIpAddress('2001:4860::1')));
  });

  it('refuses rows that are out of order', () => {
    expect(() => AsnIndex.fromCsv('8.8.8.0,8.8.8.255,15169,G\n1.0.0.0,1.0.0.255,13335,C', '')).toThrow(
      /line 2: not sorted/,
    );
  });
});

describe(unquote.name, () => {
  it.each([
    ['plain', 'plain'],
    ['"Cloudflare, Inc."', 'Cloudflare, Inc.'],
    ['"sevsu-as ""Sevastopol State University"""', 'sevsu-as "Sevastopol State University"'],
    ['"STATE UNITARY ENTERPRISE ""UGLETELECOM', 'STATE UNITARY ENTERPRISE "UGLETELECOM'],
  ])('%s', (field, expected) => {
    expect(unquote(field)).toBe(expected);
  });
});
