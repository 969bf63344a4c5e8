import type { AnonymizerSignalV1, DatasetVersionV1, SanctionedRegion } from '@clearance/contracts';
import type { CidrSet } from './cidr.set';
import type { RangeIndex } from './range.index';
import type { AsnSource, CityDatabase, MmdbLookup } from './city.database';

export type NetworkClassKind = 'hosting' | 'vpn';

export interface NetworkClass {
  readonly asn: number;
  readonly name: string;
  readonly classes: readonly NetworkClassKind[];
  readonly source: string;
  /** The anonymizer signals an address of this ASN raises, built once at load and shared. */
  readonly signals: readonly AnonymizerSignalV1[];
}

export interface RegionOperator {
  readonly asn: number;
  readonly region: SanctionedRegion;
  readonly name: string;
  readonly source: string;
}

/** An ASN whose addresses on a published VPN list are privacy-relay egress (iCloud Private Relay), not VPN exits. */
export interface RelayOperator {
  readonly asn: number;
  readonly name: string;
  readonly source: string;
}

export interface NetworkClasses {
  readonly version: string;
  readonly byAsn: ReadonlyMap<number, NetworkClass>;
  readonly regionByAsn: ReadonlyMap<number, RegionOperator>;
  readonly relayByAsn: ReadonlyMap<number, RelayOperator>;
}

export interface TorExitList {
  readonly addresses: ReadonlySet<string>;
  /** Shared signal object for every hit, its detail naming the list's date. */
  readonly signal: AnonymizerSignalV1;
}

export interface OperatorListTag {
  readonly list: 'allow' | 'deny';
  readonly label: string;
}

/**
 * Everything one lookup reads. Immutable: a reload builds a new snapshot and swaps one reference, so a request
 * in flight keeps the snapshot it started with.
 */
export interface GeoSnapshot {
  readonly city: CityDatabase;
  readonly cityDatasetName: string;
  readonly asn: AsnSource;
  /** MaxMind Anonymous-IP, read with `mmdbGet<AnonymousIpRecord>`. */
  readonly anonymousIp: MmdbLookup | undefined;
  readonly tor: TorExitList;
  readonly networkClasses: NetworkClasses;
  /** Published VPN provider networks: each range's `vpn` signal (a relay operator's turn into `relay`). */
  readonly vpnList: RangeIndex<AnonymizerSignalV1>;
  /** Published VPN and datacenter networks: each range's `hosting` signal. */
  readonly datacenterList: RangeIndex<AnonymizerSignalV1>;
  readonly vpnRanges: CidrSet<string>;
  readonly proxyRanges: CidrSet<string>;
  readonly operatorLists: CidrSet<OperatorListTag>;
  /** Name and version of every data set above, shared by every result built from this snapshot. */
  readonly datasets: readonly DatasetVersionV1[];
  /** Increments on every successful reload. */
  readonly generation: number;
}
