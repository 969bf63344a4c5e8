import {
  UNKNOWN_COUNTRY,
  type AnonymizerSignalV1,
  type GeoSectionV1,
  type IpGeoV1,
  type OperatorListMatchV1,
  type SanctionedRegion,
} from '@clearance/contracts';
import type { CidrSet } from './cidr.set';
import { mmdbGet, type AnonymousIpRecord } from './city.database';
import type { GeoSnapshot, OperatorListTag } from './geo.snapshot';
import { parseIpAddress, type IpAddress } from './ip.address';
import { sanctionedRegionOf } from './sanctioned-region.classifier';
import { unroutableRange } from './unroutable.ranges';

const NO_SIGNALS: readonly AnonymizerSignalV1[] = Object.freeze([]);
const NO_MATCHES: readonly OperatorListMatchV1[] = Object.freeze([]);

const ANONYMOUS_IP_SIGNALS: readonly [keyof AnonymousIpRecord, AnonymizerSignalV1][] = [
  ['is_tor_exit_node', { kind: 'tor', source: 'maxmind-anonymous-ip', detail: 'is_tor_exit_node' }],
  ['is_anonymous_vpn', { kind: 'vpn', source: 'maxmind-anonymous-ip', detail: 'is_anonymous_vpn' }],
  ['is_public_proxy', { kind: 'proxy', source: 'maxmind-anonymous-ip', detail: 'is_public_proxy' }],
  ['is_residential_proxy', { kind: 'proxy', source: 'maxmind-anonymous-ip', detail: 'is_residential_proxy' }],
  ['is_hosting_provider', { kind: 'hosting', source: 'maxmind-anonymous-ip', detail: 'is_hosting_provider' }],
];

/** Sanctioned-region verdicts by subdivision name: there are a few thousand names, and normalising costs. */
const regionMemo = new Map<string, SanctionedRegion | null>();
function regionOfSubdivision(
  name: string | undefined,
  code: string | undefined,
): SanctionedRegion | undefined {
  if (name === undefined && code === undefined) return undefined;
  // DB-IP has names only: key by the name itself, no string built per lookup.
  const key = code === undefined ? name! : `${code}|${name ?? ''}`;
  let hit = regionMemo.get(key);
  if (hit === undefined) {
    hit = sanctionedRegionOf(name, code) ?? null;
    if (regionMemo.size > 50_000) regionMemo.clear();
    regionMemo.set(key, hit);
  }
  return hit ?? undefined;
}

/**
 * Everything Clearance knows about one address, from one snapshot. Pure: no I/O, no clock, no framework;
 * an address that does not parse throws InvalidIpAddressError.
 */
export function geolocateIp(snapshot: GeoSnapshot, input: string): IpGeoV1 {
  const a = parseIpAddress(input);
  const range = unroutableRange(a);
  if (range !== undefined) {
    // No database places these and no list should: a real user never arrives from them.
    return {
      ip: a.text,
      version: a.version,
      country: UNKNOWN_COUNTRY,
      subdivision: undefined,
      city: undefined,
      asn: undefined,
      asOrganization: undefined,
      unroutable: true,
      range,
      anonymizers: NO_SIGNALS as AnonymizerSignalV1[],
      sanctionedRegion: undefined,
      sanctionedRegionSource: undefined,
      operatorLists: operatorMatches(snapshot.operatorLists, a),
    };
  }

  const place = snapshot.city.lookup(a);
  const asn = snapshot.asn.lookup(a);
  const networkClass = asn ? snapshot.networkClasses.byAsn.get(asn.asn) : undefined;

  // Most addresses raise no signal: the array is only allocated for those that do.
  let anonymizers: AnonymizerSignalV1[] | undefined;
  if (snapshot.tor.addresses.has(a.text)) (anonymizers ??= []).push(snapshot.tor.signal);
  if (networkClass) for (const s of networkClass.signals) (anonymizers ??= []).push(s);
  if (snapshot.anonymousIp) {
    const anon = mmdbGet<AnonymousIpRecord>(snapshot.anonymousIp, a);
    if (anon)
      for (const [flag, signal] of ANONYMOUS_IP_SIGNALS) if (anon[flag]) (anonymizers ??= []).push(signal);
  }
  if (snapshot.vpnRanges.size > 0) {
    for (const m of snapshot.vpnRanges.match(a)) {
      (anonymizers ??= []).push({ kind: 'vpn', source: 'vpn-ranges', detail: m.value });
    }
  }
  if (snapshot.proxyRanges.size > 0) {
    for (const m of snapshot.proxyRanges.match(a)) {
      (anonymizers ??= []).push({ kind: 'proxy', source: 'proxy-ranges', detail: m.value });
    }
  }

  let sanctionedRegion = regionOfSubdivision(place?.subdivision, place?.subdivisionCode);
  let sanctionedRegionSource = sanctionedRegion ? `${snapshot.cityDatasetName}:subdivision` : undefined;
  if (!sanctionedRegion && asn) {
    const operator = snapshot.networkClasses.regionByAsn.get(asn.asn);
    if (operator) {
      sanctionedRegion = operator.region;
      sanctionedRegionSource = `network-classes:region-operator AS${operator.asn}`;
    }
  }

  return {
    ip: a.text,
    version: a.version,
    country: place?.country ?? UNKNOWN_COUNTRY,
    subdivision: place?.subdivision,
    city: place?.city,
    asn: asn?.asn,
    asOrganization: asn?.organization,
    unroutable: false,
    range: undefined,
    anonymizers: anonymizers ?? (NO_SIGNALS as AnonymizerSignalV1[]),
    sanctionedRegion,
    sanctionedRegionSource,
    operatorLists: operatorMatches(snapshot.operatorLists, a),
  };
}

function operatorMatches(lists: CidrSet<OperatorListTag>, a: IpAddress): OperatorListMatchV1[] {
  const hits = lists.match(a);
  if (hits.length === 0) return NO_MATCHES as OperatorListMatchV1[];
  return hits.map((h) => ({ list: h.value.list, label: h.value.label, cidr: h.cidr }));
}

/** The `geo` section for a request's address and its forwarded-for chain, all from one snapshot. */
export function geoSection(
  snapshot: GeoSnapshot,
  ip: string,
  forwardedFor: readonly string[] | undefined,
  evaluatedAt: string,
): GeoSectionV1 {
  return {
    status: 'ok',
    ip: geolocateIp(snapshot, ip),
    forwardedFor:
      forwardedFor && forwardedFor.length > 0 ? forwardedFor.map((f) => geolocateIp(snapshot, f)) : [],
    datasets: snapshot.datasets as GeoSectionV1['datasets'],
    evaluatedAt,
  };
}
