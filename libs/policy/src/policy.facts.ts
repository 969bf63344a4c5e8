import type { IpGeoV1 } from '@clearance/contracts';
import { epochMs as epoch } from './iso-time';
import type { PolicyInput } from './policy.types';

export type FactType = 'string' | 'number' | 'boolean' | 'string[]';

/** Per-evaluation values the evaluator computes once and every fact may read. */
export interface EvalContext {
  now: number;
  tier: string | undefined;
  /** Approval `expiresAt` in epoch ms, parsed once per evaluation (NaN: not parsed yet). */
  approvalExpiry: number | undefined;
}

function approvalExpiry(e: PolicyInput, c: EvalContext): number | undefined {
  if (Number.isNaN(c.approvalExpiry))
    c.approvalExpiry = epoch(e.verification?.organization?.approval?.expiresAt);
  return c.approvalExpiry;
}

export interface FactDefinition {
  type: FactType;
  description: string;
  get(event: PolicyInput, ctx: EvalContext): unknown;
}

const NONE: readonly string[] = Object.freeze([]);

function hasAnonymizer(ip: IpGeoV1 | undefined, kind: string): boolean | undefined {
  if (!ip) return undefined;
  for (const a of ip.anonymizers) if (a.kind === kind) return true;
  return false;
}

function operatorLabels(ip: IpGeoV1 | undefined, list: 'allow' | 'deny'): readonly string[] {
  if (!ip || ip.operatorLists.length === 0) return NONE;
  return ip.operatorLists.filter((m) => m.list === list).map((m) => m.label);
}

function hasOperatorList(ip: IpGeoV1 | undefined, list: 'allow' | 'deny'): boolean | undefined {
  if (!ip) return undefined;
  for (const m of ip.operatorLists) if (m.list === list) return true;
  return false;
}

/** Hops of `X-Forwarded-For` that can say where a client is: unroutable hops (internal proxies) say nothing. */
function forwardedFor(e: PolicyInput, pick: (hop: IpGeoV1) => string | undefined): readonly string[] {
  const hops = e.geo?.forwardedFor;
  if (!hops || hops.length === 0) return NONE;
  const out: string[] = [];
  for (const hop of hops) {
    if (hop.unroutable) continue;
    const v = pick(hop);
    if (v !== undefined) out.push(v);
  }
  return out;
}

function sectionStatus(section: { status?: string } | undefined): string {
  return section ? (section.status ?? 'missing') : 'missing';
}

/**
 * Everything a rule may read, by name. A missing value is `undefined`: it equals nothing, is in no set, and
 * compares false (see docs/policy.md).
 */
export const FACTS: Record<string, FactDefinition> = {
  model: { type: 'string', description: 'request.resource.model', get: (e) => e.request?.resource?.model },
  action: { type: 'string', description: 'request.resource.action', get: (e) => e.request?.resource?.action },
  client: {
    type: 'string',
    description: 'request.client (the upstream API client)',
    get: (e) => e.request?.client,
  },
  tier: {
    type: 'string',
    description: 'model tier from `models`; missing for an unknown model',
    get: (_e, c) => c.tier,
  },

  geoStatus: {
    type: 'string',
    description: '`ok`, `unavailable` or `missing`',
    get: (e) => sectionStatus(e.geo),
  },
  verificationStatus: {
    type: 'string',
    description: '`ok`, `unavailable` or `missing`',
    get: (e) => sectionStatus(e.verification),
  },
  screeningStatus: {
    type: 'string',
    description: '`clear`, `potential-match`, `match`, `unavailable` or `missing`',
    get: (e) => sectionStatus(e.verification?.screening),
  },
  screeningListsStale: {
    type: 'boolean',
    description: 'a denied-party list used is older than its maximum age (missing in events before the flag)',
    get: (e) => e.verification?.screening?.stale,
  },
  evidenceAgeSeconds: {
    type: 'number',
    description: 'seconds from the oldest enrichment (geo or verification `evaluatedAt`) to the decision',
    get: (e, c) => {
      const g = epoch(e.geo?.evaluatedAt);
      const v = epoch(e.verification?.evaluatedAt);
      const oldest = g === undefined ? v : v === undefined ? g : Math.min(g, v);
      return oldest === undefined ? undefined : (c.now - oldest) / 1000;
    },
  },

  observedCountry: {
    type: 'string',
    description: 'country of network.ip (ISO alpha-2 or `unknown`)',
    get: (e) => e.geo?.ip?.country,
  },
  observedRegion: {
    type: 'string',
    description: 'sanctioned region of network.ip (`crimea`, `donetsk`, `luhansk`)',
    get: (e) => e.geo?.ip?.sanctionedRegion,
  },
  observedSubdivision: {
    type: 'string',
    description: 'subdivision of network.ip',
    get: (e) => e.geo?.ip?.subdivision,
  },
  unroutable: {
    type: 'boolean',
    description: 'network.ip is private/reserved',
    get: (e) => e.geo?.ip?.unroutable,
  },
  tor: {
    type: 'boolean',
    description: 'network.ip is a Tor exit',
    get: (e) => hasAnonymizer(e.geo?.ip, 'tor'),
  },
  vpn: {
    type: 'boolean',
    description: 'network.ip is a VPN endpoint',
    get: (e) => hasAnonymizer(e.geo?.ip, 'vpn'),
  },
  relay: {
    type: 'boolean',
    description: 'network.ip is privacy-relay egress that keeps the user country (iCloud Private Relay)',
    get: (e) => hasAnonymizer(e.geo?.ip, 'relay'),
  },
  proxy: {
    type: 'boolean',
    description: 'network.ip is a public proxy',
    get: (e) => hasAnonymizer(e.geo?.ip, 'proxy'),
  },
  hosting: {
    type: 'boolean',
    description: 'network.ip is in a hosting/cloud network',
    get: (e) => hasAnonymizer(e.geo?.ip, 'hosting'),
  },
  asn: { type: 'number', description: 'ASN of network.ip', get: (e) => e.geo?.ip?.asn },
  operatorDeny: {
    type: 'boolean',
    description: 'network.ip is on an operator deny CIDR list',
    get: (e) => hasOperatorList(e.geo?.ip, 'deny'),
  },
  operatorAllow: {
    type: 'boolean',
    description: 'network.ip is on an operator allow CIDR list',
    get: (e) => hasOperatorList(e.geo?.ip, 'allow'),
  },
  operatorDenyLabels: {
    type: 'string[]',
    description: 'labels of the operator deny lists network.ip is on',
    get: (e) => operatorLabels(e.geo?.ip, 'deny'),
  },
  operatorAllowLabels: {
    type: 'string[]',
    description: 'labels of the operator allow lists network.ip is on',
    get: (e) => operatorLabels(e.geo?.ip, 'allow'),
  },
  forwardedForCountries: {
    type: 'string[]',
    description: 'countries of the routable X-Forwarded-For hops (may contain `unknown`)',
    get: (e) => forwardedFor(e, (h) => h.country),
  },
  forwardedForRegions: {
    type: 'string[]',
    description: 'sanctioned regions of the routable X-Forwarded-For hops',
    get: (e) => forwardedFor(e, (h) => h.sanctionedRegion),
  },

  claimedCountry: {
    type: 'string',
    description: 'request.subject.claimedCountry (e.g. billing country)',
    get: (e) => e.request?.subject?.claimedCountry,
  },
  residenceCountry: {
    type: 'string',
    description: 'residence country in the registry',
    get: (e) => e.verification?.user?.residenceCountry,
  },
  verificationLevel: {
    type: 'string',
    description: '`none`, `email`, `identity` or `entity-approved`',
    get: (e) => e.verification?.user?.level,
  },
  userFound: {
    type: 'boolean',
    description: 'the registry knows the user',
    get: (e) => e.verification?.user?.found,
  },
  userExpired: {
    type: 'boolean',
    description: 'the user verification has expired',
    get: (e) => e.verification?.user?.expired,
  },
  verificationStale: {
    type: 'boolean',
    description: 'registry data older than its freshness bound',
    get: (e) => e.verification?.stale,
  },
  orgFound: {
    type: 'boolean',
    description: 'the registry knows the organisation',
    get: (e) => e.verification?.organization?.found ?? false,
  },
  orgCountry: {
    type: 'string',
    description: 'country of incorporation of the organisation',
    get: (e) => e.verification?.organization?.countryOfIncorporation,
  },
  approvalPresent: {
    type: 'boolean',
    description: 'the organisation has an approval record',
    get: (e) =>
      e.verification?.organization?.approval !== undefined && e.verification.organization.approval !== null,
  },
  approvalValid: {
    type: 'boolean',
    description: 'approval valid when verified and not expired at decision time',
    get: (e, c) => {
      const a = e.verification?.organization?.approval;
      if (!a) return false;
      const exp = approvalExpiry(e, c);
      return a.valid === true && a.revoked !== true && (exp === undefined || exp > c.now);
    },
  },
  approvalRevoked: {
    type: 'boolean',
    description: 'approval revoked',
    get: (e) => e.verification?.organization?.approval?.revoked,
  },
  approvalExpired: {
    type: 'boolean',
    description: 'approval `expiresAt` at or before decision time',
    get: (e, c) => {
      const a = e.verification?.organization?.approval;
      if (!a) return undefined;
      const exp = approvalExpiry(e, c);
      return exp !== undefined && exp <= c.now;
    },
  },
  foreignOwned: {
    type: 'boolean',
    description: 'more than 50 % held from a country of concern',
    get: (e) => e.verification?.organization?.ownership?.foreignOwned,
  },
  controllingCountry: {
    type: 'string',
    description: 'country controlling the organisation',
    get: (e) => e.verification?.organization?.ownership?.controllingCountry,
  },
  egressMatch: {
    type: 'boolean',
    description: "network.ip lies in the organisation's registered egress ranges",
    get: (e) => e.verification?.organization?.egressMatch,
  },
};

export const FACT_NAMES = Object.keys(FACTS);
