import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { BaseEnv } from '@clearance/platform';

/** Environment of the geolocation stage (docs/geolocation.md explains each data file). Unset paths use the bundled data. */
export class GeolocationEnv extends BaseEnv {
  @IsOptional() @IsString() GEO_DBIP_CITY_V4_PATH?: string;
  @IsOptional() @IsString() GEO_DBIP_CITY_V6_PATH?: string;
  @IsOptional() @IsString() GEO_ASN_V4_CSV_PATH?: string;
  @IsOptional() @IsString() GEO_ASN_V6_CSV_PATH?: string;
  /** MaxMind GeoIP2/GeoLite2 City `.mmdb`: replaces DB-IP. */
  @IsOptional() @IsString() GEO_MAXMIND_CITY_PATH?: string;
  /** MaxMind GeoIP2 ISP / GeoLite2 ASN `.mmdb`: replaces the ASN CSVs. */
  @IsOptional() @IsString() GEO_MAXMIND_ASN_PATH?: string;
  /** MaxMind GeoIP2 Anonymous-IP `.mmdb`: adds its tor/vpn/proxy/hosting flags. */
  @IsOptional() @IsString() GEO_MAXMIND_ANONYMOUS_IP_PATH?: string;
  @IsOptional() @IsString() GEO_TOR_LIST_PATH?: string;
  @IsOptional() @IsString() GEO_NETWORK_CLASSES_PATH?: string;
  /** Published VPN / datacenter network lists (one CIDR a line), per IP version. */
  @IsOptional() @IsString() GEO_VPN_LIST_V4_PATH?: string;
  @IsOptional() @IsString() GEO_VPN_LIST_V6_PATH?: string;
  @IsOptional() @IsString() GEO_DATACENTER_LIST_V4_PATH?: string;
  @IsOptional() @IsString() GEO_DATACENTER_LIST_V6_PATH?: string;
  @IsOptional() @IsString() GEO_VPN_RANGES_PATH?: string;
  @IsOptional() @IsString() GEO_PROXY_RANGES_PATH?: string;
  @IsOptional() @IsString() GEO_OPERATOR_LISTS_PATH?: string;
  /** How often data files are polled for changes. */
  @Transform(({ value }) => Number(value)) @IsInt() @Min(100) @Max(3_600_000) GEO_RELOAD_INTERVAL_MS = 5000;
  /** Bulk exit list URL to refresh the Tor list from; unset: no refresh. */
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) GEO_TOR_LIST_URL?: string;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(10_080) GEO_TOR_REFRESH_MINUTES = 60;
  @Transform(({ value }) => Number(value)) @IsInt() @Min(1000) @Max(300_000) GEO_TOR_FETCH_TIMEOUT_MS =
    30_000;
}
