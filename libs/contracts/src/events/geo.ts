import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  ValidateNested,
  IsDefined,
} from 'class-validator';

/** Country code used when no database places an address: explicit, never a missing field. */
export const UNKNOWN_COUNTRY = 'unknown';
export const SANCTIONED_REGIONS = ['crimea', 'donetsk', 'luhansk'] as const;
export type SanctionedRegion = (typeof SANCTIONED_REGIONS)[number];
/** `relay`: a privacy relay that keeps the user's country (Apple iCloud Private Relay egress), not a VPN. */
export const ANONYMIZER_KINDS = ['tor', 'vpn', 'relay', 'proxy', 'hosting'] as const;
export type AnonymizerKind = (typeof ANONYMIZER_KINDS)[number];

/** One anonymizer signal and the data set that raised it. */
export class AnonymizerSignalV1 {
  @IsIn(ANONYMIZER_KINDS) kind!: AnonymizerKind;
  /** Data set name, e.g. `tor-exit-list`, `hosting-asn`, `maxmind-anonymous-ip`. */
  @IsString() source!: string;
  @IsOptional() @IsString() detail?: string;
}

/** An operator CIDR list entry the address falls in. */
export class OperatorListMatchV1 {
  @IsIn(['allow', 'deny']) list!: 'allow' | 'deny';
  @IsString() label!: string;
  @IsString() cidr!: string;
}

/** IPv6 forms that carry an IPv4 address: 6to4 (2002::/16), Teredo (2001::/32), NAT64, IPv4-compatible (::/96). */
export const IPV4_EMBEDDINGS = ['6to4', 'teredo', 'nat64', 'ipv4-compatible'] as const;
export type Ipv4Embedding = (typeof IPV4_EMBEDDINGS)[number];

/** The IPv4 address an IPv6 transition address carries; the location of `IpGeoV1` is that address's. */
export class EmbeddedIpv4V1 {
  @IsIn(IPV4_EMBEDDINGS) kind!: Ipv4Embedding;
  /** The embedded address (for Teredo the de-obfuscated client); absent when it cannot be decoded. */
  @IsOptional() @IsString() ip?: string;
  /** False when the embedded address is missing or unroutable: the country is then `unknown` (fail closed). */
  @IsBoolean() trusted!: boolean;
}

export class IpGeoV1 {
  /** Normalised address (IPv4-mapped IPv6 written as IPv4). */
  @IsString() ip!: string;
  @IsIn([4, 6]) version!: 4 | 6;
  /** ISO 3166-1 alpha-2, or `unknown`. */
  @Matches(/^([A-Z]{2}|unknown)$/) country!: string;
  @IsOptional() @IsString() subdivision?: string;
  @IsOptional() @IsString() city?: string;
  @IsOptional() @IsInt() asn?: number;
  @IsOptional() @IsString() asOrganization?: string;
  /**
   * Set for an IPv6 address that carries an IPv4 one: country, subdivision, city, ASN and region are then the
   * IPv4 address's, anonymizers and operator lists those of both.
   */
  @IsOptional() @ValidateNested() @Type(() => EmbeddedIpv4V1) embeddedIpv4?: EmbeddedIpv4V1;
  /** True for private, loopback, link-local, CGNAT, documentation, multicast and reserved ranges. */
  @IsBoolean() unroutable!: boolean;
  /** The ipaddr.js range name when unroutable, e.g. `private`, `loopback`, `carrierGradeNat`. */
  @IsOptional() @IsString() range?: string;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AnonymizerSignalV1)
  anonymizers!: AnonymizerSignalV1[];
  @IsOptional() @IsIn(SANCTIONED_REGIONS) sanctionedRegion?: SanctionedRegion;
  /** What placed the address in `sanctionedRegion`, e.g. `dbip-city-lite:subdivision` or a region operator's ASN. */
  @IsOptional() @IsString() sanctionedRegionSource?: string;
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OperatorListMatchV1)
  operatorLists!: OperatorListMatchV1[];
}

/** Name and version of a data set that contributed to a result, so an auditor can tell what data decided. */
export class DatasetVersionV1 {
  @IsString() name!: string;
  /** Version, build date or content hash, whatever the data set offers (several joined by `;`). */
  @IsString() version!: string;
  /** Date the data describes (the source's publication or snapshot date, ISO 8601), when known. */
  @IsOptional() @IsISO8601() date?: string;
  /** Where the data comes from (a URL or a publisher's name), when known. */
  @IsOptional() @IsString() source?: string;
  /** Number of entries (ranges, addresses) loaded. */
  @IsOptional() @IsInt() count?: number;
}

export class GeoSectionV1 {
  /** `unavailable` when the stage could not evaluate the address (the decision denies). */
  @IsIn(['ok', 'unavailable']) status!: 'ok' | 'unavailable';
  @IsDefined() @ValidateNested() @Type(() => IpGeoV1) ip!: IpGeoV1;
  @IsArray() @ValidateNested({ each: true }) @Type(() => IpGeoV1) forwardedFor!: IpGeoV1[];
  @IsArray() @ValidateNested({ each: true }) @Type(() => DatasetVersionV1) datasets!: DatasetVersionV1[];
  @IsISO8601() evaluatedAt!: string;
}
