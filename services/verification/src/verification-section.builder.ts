import ipaddr from 'ipaddr.js';
import type {
  AccessGeolocatedV1,
  ApprovalV1,
  OrganizationVerificationV1,
  OwnershipV1,
  ScreenedField,
  ScreeningMatchV1,
  ScreeningStatus,
  ScreeningV1,
  UserVerificationV1,
  VerificationSectionV1,
} from '@clearance/contracts';
import type { NameScreeningResult, ListVersion } from './screening/name.screener';
import type { ApprovalRecord, OrganizationRecord, Stored, UserRecord } from './registry/subject.schema';

/** What the registry said about a request's subject; `unavailable` when it could not be read in time. */
export type RegistryRead =
  | { status: 'ok'; user: Stored<UserRecord> | null; organization: Stored<OrganizationRecord> | null }
  | { status: 'unavailable' };

export interface EnrichmentRules {
  countriesOfConcern: ReadonlySet<string>;
  /** Registry data last verified or changed longer ago than this is flagged `stale`. */
  staleAfterMs: number;
}

export interface NameScreening {
  screen(name: string): NameScreeningResult;
  readonly versions: ListVersion[];
  /** Lists older than the maximum list age at `now`. */
  staleLists(now: Date): readonly unknown[];
}

const MATCHES_PER_NAME = 3;
const SEVERITY: Record<ScreeningStatus, number> = {
  clear: 0,
  'potential-match': 1,
  match: 2,
  unavailable: 3,
};

const iso = (d: Date | undefined): string | undefined => d?.toISOString();

/** Approved, not revoked, and inside its validity window at `now`. */
export function approvalAt(approval: ApprovalRecord, now: Date): ApprovalV1 {
  const started = approval.approvedAt.getTime() <= now.getTime();
  const unexpired = approval.expiresAt === undefined || approval.expiresAt.getTime() > now.getTime();
  return {
    approvalId: approval.approvalId,
    approvedAt: approval.approvedAt.toISOString(),
    expiresAt: iso(approval.expiresAt),
    revoked: approval.revoked,
    valid: !approval.revoked && started && unexpired,
  };
}

/** More than 50 % held from a country of concern → the entity is treated as that country. */
export function ownershipOf(org: OrganizationRecord, countriesOfConcern: ReadonlySet<string>): OwnershipV1 {
  const share = org.foreignShare ?? 0;
  const foreignOwned =
    org.parentCountry !== undefined &&
    org.parentCountry !== org.countryOfIncorporation &&
    countriesOfConcern.has(org.parentCountry) &&
    share > 50;
  return {
    foreignOwned,
    controllingCountry: foreignOwned ? org.parentCountry : org.countryOfIncorporation,
    foreignShare: org.foreignShare,
  };
}

/** True when `ip` lies in one of the CIDR ranges (IPv4-mapped IPv6 compared as IPv4; bad ranges never match). */
export function inRanges(ip: string, ranges: readonly string[]): boolean {
  if (!ipaddr.isValid(ip)) return false;
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  return ranges.some((cidr) => {
    try {
      const [range, bits] = ipaddr.parseCIDR(cidr);
      return range.kind() === addr.kind() && addr.match(range, bits);
    } catch {
      return false;
    }
  });
}

function userSection(user: Stored<UserRecord> | null, now: Date): UserVerificationV1 {
  if (!user) return { found: false, level: 'none', expired: false };
  const r = user.record;
  return {
    found: true,
    level: r.level,
    residenceCountry: r.residenceCountry,
    verifiedAt: iso(r.verifiedAt),
    expiresAt: iso(r.expiresAt),
    expired: r.expiresAt !== undefined && r.expiresAt.getTime() <= now.getTime(),
    organizationId: r.organizationId,
  };
}

function organizationSection(
  organizationId: string,
  org: Stored<OrganizationRecord> | null,
  ip: string,
  rules: EnrichmentRules,
  now: Date,
): OrganizationVerificationV1 {
  if (!org) {
    return {
      found: false,
      organizationId,
      ownership: { foreignOwned: false },
      egressRanges: [],
      egressMatch: false,
    };
  }
  const r = org.record;
  return {
    found: true,
    organizationId,
    legalName: r.legalName,
    countryOfIncorporation: r.countryOfIncorporation,
    parentName: r.parentName,
    parentCountry: r.parentCountry,
    ownership: ownershipOf(r, rules.countriesOfConcern),
    approval: r.approval ? approvalAt(r.approval, now) : undefined,
    egressRanges: r.egressRanges,
    egressMatch: inRanges(ip, r.egressRanges),
  };
}

/** Screens every distinct name under its field; the worst status wins, best matches first. */
export function screenNames(
  names: readonly [ScreenedField, string | undefined][],
  screener: NameScreening,
  now: Date,
): ScreeningV1 {
  const seen = new Set<string>();
  let status: ScreeningStatus = 'clear';
  const matches: ScreeningMatchV1[] = [];
  for (const [field, name] of names) {
    if (!name || !name.trim() || seen.has(`${field}|${name}`)) continue;
    seen.add(`${field}|${name}`);
    const result = screener.screen(name);
    if (SEVERITY[result.status] > SEVERITY[status]) status = result.status;
    for (const m of result.matches.slice(0, MATCHES_PER_NAME)) {
      matches.push({
        field,
        query: name,
        score: m.score,
        list: m.list,
        entryId: m.entryId,
        listedName: m.listedName,
        programs: m.programs,
      });
    }
  }
  matches.sort((a, b) => b.score - a.score);
  return {
    status,
    matches,
    lists: screener.versions.map((v) => ({ name: v.name, version: v.version })),
    stale: screener.staleLists(now).length > 0,
  };
}

/**
 * The `verification` section of a request, from what the registry said (read beforehand) and the screening of
 * every name known for the subject: the registry's and those given in the request. Without a registry read the
 * section says `unavailable` and vouches for nothing (level `none`, no organisation).
 */
export function buildVerificationSection(
  event: AccessGeolocatedV1,
  read: RegistryRead,
  screener: NameScreening,
  rules: EnrichmentRules,
  now: Date,
): VerificationSectionV1 {
  const subject = event.request.subject;
  if (read.status === 'unavailable') {
    return {
      status: 'unavailable',
      stale: false,
      user: { found: false, level: 'none', expired: false },
      screening: screenNames(
        [
          ['subject-name', subject.name],
          ['organization-name', subject.organizationName],
        ],
        screener,
        now,
      ),
      evaluatedAt: now.toISOString(),
    };
  }
  const user = userSection(read.user, now);
  const organizationId = read.user?.record.organizationId ?? subject.organizationId;
  const organization =
    organizationId === undefined
      ? undefined
      : organizationSection(organizationId, read.organization, event.request.network.ip, rules, now);
  const orgRecord = read.organization?.record;
  const screening = screenNames(
    [
      ['subject-name', read.user?.record.name],
      ['subject-name', subject.name],
      ['organization-name', orgRecord?.legalName],
      ['organization-name', subject.organizationName],
      ['parent-name', orgRecord?.parentName],
    ],
    screener,
    now,
  );
  const oldest = now.getTime() - rules.staleAfterMs;
  const freshness = [
    read.user?.record.verifiedAt ?? read.user?.updatedAt,
    read.organization?.updatedAt,
  ].filter((d): d is Date => d !== undefined);
  return {
    status: 'ok',
    stale: freshness.some((d) => d.getTime() < oldest),
    user,
    organization,
    screening,
    evaluatedAt: now.toISOString(),
  };
}
