import {
  UNKNOWN_COUNTRY,
  type AnonymizerSignalV1,
  type EmbeddedIpv4V1,
  type GeoSectionV1,
  type IpGeoV1,
  type OperatorListMatchV1,
  type SanctionedRegion,
} from '@clearance/contracts';
import type { CidrSet } from './cidr.set';
import { mmdbGet, type AnonymousIpRecord } from './city.database';
import type { GeoSnapshot, OperatorListTag } from './geo.snapshot';
import { embeddedIpv4, parseIpAddress, type EmbeddedIpv4, type IpAddress } from './ip.address';
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
 * an address that does not parse throws InvalidIpAddressError. An IPv6 address that carries an IPv4 one
 * (6to4, Teredo, NAT64, IPv4-compatible) is placed where that IPv4 address is: the databases put whole
 * transition prefixes in one country (2002::/16 and 2001::/32 in the US), which says nothing about the client.
 */
export function geolocateIp(snapshot: GeoSnapshot, input: string): IpGeoV1 {
  const a = parseIpAddress(input);
  const embedded = embeddedIpv4(a);
  return embedded === undefined ? judge(snapshot, a) : judgeEmbedded(snapshot, a, embedded);
}

function judge(snapshot: GeoSnapshot, a: IpAddress): IpGeoV1 {
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
    anonymizers: signalsOf(snapshot, a, asn?.asn) ?? (NO_SIGNALS as AnonymizerSignalV1[]),
    sanctionedRegion,
    sanctionedRegionSource,
    operatorLists: operatorMatches(snapshot.operatorLists, a),
  };
}

/** The anonymizer signals of one address (and of its ASN, when known); undefined when there are none. */
function signalsOf(
  snapshot: GeoSnapshot,
  a: IpAddress,
  asn: number | undefined,
): AnonymizerSignalV1[] | undefined {
  // Most addresses raise no signal: the array is only allocated for those that do.
  let anonymizers: AnonymizerSignalV1[] | undefined;
  if (snapshot.tor.addresses.has(a.text)) (anonymizers ??= []).push(snapshot.tor.signal);
  const networkClass = asn === undefined ? undefined : snapshot.networkClasses.byAsn.get(asn);
  if (networkClass) for (const s of networkClass.signals) (anonymizers ??= []).push(s);
  if (snapshot.anonymousIp) {
    const anon = mmdbGet<AnonymousIpRecord>(snapshot.anonymousIp, a);
    if (anon)
      for (const [flag, signal] of ANONYMOUS_IP_SIGNALS) if (anon[flag]) (anonymizers ??= []).push(signal);
  }
  for (const s of snapshot.vpnList.lookup(a)) {
    // A relay operator's ranges on the VPN list are privacy-relay egress, which keeps the user's country.
    const relay = asn === undefined ? undefined : snapshot.networkClasses.relayByAsn.get(asn);
    (anonymizers ??= []).push(
      relay ? { kind: 'relay', source: s.source, detail: `${s.detail} AS${relay.asn} ${relay.name}` } : s,
    );
  }
  for (const s of snapshot.datacenterList.lookup(a)) (anonymizers ??= []).push(s);
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
  return anonymizers;
}

/**
 * A transition address is judged as the IPv4 address it carries, plus whatever lists name the IPv6 address
 * itself. An embedded address that cannot be decoded or is unroutable (6to4 of 10.0.0.1, a Teredo address
 * with a private server) proves nothing about the client: the country is `unknown`, which every tier denies.
 */
function judgeEmbedded(snapshot: GeoSnapshot, outer: IpAddress, e: EmbeddedIpv4): IpGeoV1 {
  const inner = e.address;
  const trusted =
    inner !== undefined &&
    unroutableRange(inner) === undefined &&
    (e.server === undefined || unroutableRange(e.server) === undefined);
  const embeddedIpv4: EmbeddedIpv4V1 = { kind: e.kind, ip: inner?.text, trusted };
  const outerSignals = signalsOf(snapshot, outer, undefined);
  const outerLists = operatorMatches(snapshot.operatorLists, outer);
  const innerLists = inner === undefined ? NO_MATCHES : operatorMatches(snapshot.operatorLists, inner);
  if (!trusted) {
    return {
      ip: outer.text,
      version: 6,
      country: UNKNOWN_COUNTRY,
      subdivision: undefined,
      city: undefined,
      asn: undefined,
      asOrganization: undefined,
      unroutable: false,
      range: undefined,
      anonymizers: outerSignals ?? (NO_SIGNALS as AnonymizerSignalV1[]),
      sanctionedRegion: undefined,
      sanctionedRegionSource: undefined,
      operatorLists: [...outerLists, ...innerLists],
      embeddedIpv4,
    };
  }
  const g = judge(snapshot, inner);
  return {
    ...g,
    ip: outer.text,
    version: 6,
    anonymizers: outerSignals ? [...outerSignals, ...g.anonymizers] : g.anonymizers,
    operatorLists: outerLists.length > 0 ? [...outerLists, ...g.operatorLists] : g.operatorLists,
    embeddedIpv4,
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
