import { readFileSync } from 'node:fs';
import { Reader, type Response } from 'maxmind';
import { MmdbLookup, openReader } from './city.database';
import { defaultGeoDataConfig } from './geo-data.config';
import { formatIPv4, parseIpAddress } from './ip.address';

describe(MmdbLookup.name, () => {
  const config = defaultGeoDataConfig();
  const v4 = openReader(readFileSync(config.dbipCityV4Path));
  const v6 = openReader(readFileSync(config.dbipCityV6Path));
  let seed = 11;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const hex = (): string => Math.floor(rand() * 0x10000).toString(16);

  it('finds the same record as Reader.get for random IPv4 addresses', () => {
    const sut = new MmdbLookup(v4);
    for (let i = 0; i < 20_000; i++) {
      const ip = formatIPv4(Math.floor(rand() * 0x100000000));
      expect(sut.get(parseIpAddress(ip))).toEqual(v4.get(ip));
    }
  });

  it('finds the same record as Reader.get for random IPv6 addresses in allocated space', () => {
    const sut = new MmdbLookup(v6);
    for (let i = 0; i < 20_000; i++) {
      const ip = parseIpAddress(
        `2${Math.floor(rand() * 16).toString(16)}${hex().slice(0, 2).padStart(2, '0')}:${hex()}:${hex()}::${hex()}`,
      );
      expect(sut.get(ip)).toEqual(v6.get(ip.text));
    }
  });

  it('answers null for an address of the other version than the file', () => {
    expect(new MmdbLookup(v4).get(parseIpAddress('2601::1'))).toBeNull();
  });

  it('falls back to Reader.get when the reader does not have the members it walks', () => {
    const bare = Object.assign(Object.create(Reader.prototype) as Reader<Response>, {
      metadata: v4.metadata,
      get: (ip: string) => v4.get(ip),
    });
    expect(new MmdbLookup(bare).get(parseIpAddress('8.8.8.8'))).toEqual(v4.get('8.8.8.8'));
  });
});
