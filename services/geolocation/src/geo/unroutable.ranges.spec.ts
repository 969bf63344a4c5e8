import { parseIpAddress } from './ip.address';
import { unroutableRange } from './unroutable.ranges';

describe(unroutableRange.name, () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['169.254.1.1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.255', 'carrierGradeNat'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.200', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.0.8', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.1.1.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['100::1', 'discard'],
    ['::102:304', 'ipv4Compatible'],
    ['::1.2.3.4', 'ipv4Compatible'],
    ['4000::1', 'reserved'],
    ['::ffff:10.0.0.1', 'private'],
  ])('%s is %s', (ip, range) => {
    expect(unroutableRange(parseIpAddress(ip))).toBe(range);
  });

  it.each([
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '11.0.0.1',
    '223.255.255.255',
    '2001:4860:4860::8888',
    '2601::1',
  ])('%s is routable', (ip) => {
    expect(unroutableRange(parseIpAddress(ip))).toBeUndefined();
  });
});
