import { Topics, validateEvent } from '@clearance/contracts';
import { aRequestedEvent } from '@clearance/testing';
import { parseIpAddress } from './ip.address';

/**
 * The contract (ingest's 400, every stage's consumer) and geolocation's parser must agree: an address the
 * contract accepts and geolocation cannot parse is dead-lettered instead of decided (issue 16, item 7).
 */
const CORPUS = [
  '8.8.8.8',
  '0.0.0.0',
  '255.255.255.255',
  '01.2.3.4',
  '1.2.3',
  '::',
  '::1',
  '1::',
  '::ffff:1.2.3.4',
  '::FFFF:1.2.3.4',
  '::1.2.3.4',
  '64:ff9b::1.2.3.4',
  '2002:af2d:b001::1',
  '2001:0:4136:e378:8000:63bf:50d2:4ffe',
  '2001:0db8:0000:0000:0000:0000:0000:0001',
  '2001:db8::0:1',
  '2001:DB8::1',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:1.2.3.4',
  '1::2:3:4:5:6:7',
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  'fe80::1%eth0',
  'fe80::1%pvc1.3',
  'fe80::1%1',
  'ff02::5678%5',
  '1.2.3.4%eth0',
  '::ffff:1.2.3.4%1',
  '1:2:3:4:5:6:7:8:9',
  '1::2::3',
  '12345::1',
  ':1::',
  '[::1]',
  ' 8.8.8.8',
];

function contractAccepts(ip: string, where: 'ip' | 'forwardedFor'): boolean {
  const event = aRequestedEvent();
  const network = where === 'ip' ? { ip } : { ip: '8.8.8.8', forwardedFor: [ip] };
  return validateEvent(Topics.AccessRequested, { ...event, request: { ...event.request, network } }).ok;
}

function parses(ip: string): boolean {
  try {
    parseIpAddress(ip);
    return true;
  } catch {
    return false;
  }
}

describe('network.ip validation and the geolocation parser', () => {
  it.each(CORPUS.flatMap((ip) => [[ip, 'ip'] as const, [ip, 'forwardedFor'] as const]))(
    'what the contract accepts in network.%s (%s), geolocation parses',
    (ip, where) => {
      if (contractAccepts(ip, where)) expect(parses(ip)).toBe(true);
    },
  );

  it('refuses an IPv6 zone id, naming the field', () => {
    const event = aRequestedEvent();
    const result = validateEvent(Topics.AccessRequested, {
      ...event,
      request: { ...event.request, network: { ip: 'fe80::1%pvc1.3', forwardedFor: ['fe80::1%eth0'] } },
    });
    expect(result).toMatchObject({ ok: false, kind: 'schema-violation' });
    const details = (result as { details: string[] }).details.join('\n');
    expect(details).toContain('request.network.ip: ip must be an address without an IPv6 zone id');
    expect(details).toContain('request.network.forwardedFor');
  });

  it('still accepts every ordinary form', () => {
    for (const ip of ['8.8.8.8', '2001:db8::1', '::ffff:1.2.3.4', '2002:af2d:b001::1']) {
      expect([ip, contractAccepts(ip, 'ip'), contractAccepts(ip, 'forwardedFor')]).toEqual([ip, true, true]);
    }
  });
});
