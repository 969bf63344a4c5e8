import { OUTCOMES, REASON_CODES, type AccessVerifiedV1, type Outcome } from '@clearance/contracts';
import { loadPolicyFile, DEFAULT_POLICY_PATH } from './policy.loader';
import { policyUnavailableDecision } from './decision.builders';
import { anEnrichedEvent, ENRICHED_EVENT_DECIDE_AT } from './testing/enriched-event.factory';
import type { CompiledPolicy, PolicyDecision } from './policy.types';

type Patch = (e: AccessVerifiedV1) => void;

const standard: Patch = (e) => {
  e.request.resource.model = 'standard-1';
};
const both =
  (...patches: Patch[]): Patch =>
  (e) => {
    for (const p of patches) p(e);
  };
const minutes = (n: number): number => n * 60_000;

interface Case {
  name: string;
  patch?: Patch;
  now?: number;
  outcome: Outcome;
  /** The deciding reason (first in the list). */
  reason: string;
  /** Further reasons that must also be listed. */
  also?: string[];
  obligations?: string[];
}

const CASES: Case[] = [
  // allow
  { name: 'frontier: approved domestic entity', outcome: 'allow', reason: 'ALLOW_APPROVED_DOMESTIC_ENTITY' },
  {
    name: 'frontier: hosting network inside the registered egress range',
    patch: (e) => void e.geo.ip.anonymizers.push({ kind: 'hosting', source: 'hosting-asn' }),
    outcome: 'allow',
    reason: 'ALLOW_APPROVED_DOMESTIC_ENTITY',
  },
  {
    name: 'frontier: no claimed country',
    patch: (e) => delete e.request.subject.claimedCountry,
    outcome: 'allow',
    reason: 'ALLOW_APPROVED_DOMESTIC_ENTITY',
  },
  {
    name: 'frontier: private X-Forwarded-For hop is ignored',
    patch: (e) =>
      void e.geo.forwardedFor.push({ ...e.geo.ip, ip: '10.0.0.1', country: 'unknown', unroutable: true }),
    outcome: 'allow',
    reason: 'ALLOW_APPROVED_DOMESTIC_ENTITY',
  },
  {
    name: 'standard: anonymous foreign user',
    patch: both(standard, (e) => {
      e.geo.ip.country = 'DE';
      e.request.subject.claimedCountry = 'DE';
      e.verification.user = { found: false, level: 'none', expired: false };
      delete e.verification.organization;
    }),
    outcome: 'allow',
    reason: 'ALLOW_STANDARD',
  },
  {
    name: 'standard: VPN hides the country',
    patch: both(standard, (e) => void e.geo.ip.anonymizers.push({ kind: 'vpn', source: 'vpn-list' })),
    outcome: 'deny',
    reason: 'NET_VPN',
  },
  {
    name: 'standard: public proxy hides the country',
    patch: both(standard, (e) => void e.geo.ip.anonymizers.push({ kind: 'proxy', source: 'proxy-list' })),
    outcome: 'deny',
    reason: 'NET_PROXY',
  },
  {
    name: 'standard: a privacy relay keeps the country, so it is allowed',
    patch: both(standard, (e) => void e.geo.ip.anonymizers.push({ kind: 'relay', source: 'x4bnet-vpn' })),
    outcome: 'allow',
    reason: 'ALLOW_STANDARD',
  },
  {
    name: 'standard: a relay in an embargoed country is still denied',
    patch: both(standard, (e) => {
      e.geo.ip.anonymizers.push({ kind: 'relay', source: 'x4bnet-vpn' });
      e.geo.ip.country = 'IR';
    }),
    outcome: 'deny',
    reason: 'GEO_EMBARGOED_COUNTRY',
  },
  {
    name: 'embed-* models are standard',
    patch: (e) => {
      e.request.resource.model = 'embed-small';
      e.geo.ip.country = 'CN';
      e.request.subject.claimedCountry = 'CN';
    },
    outcome: 'allow',
    reason: 'ALLOW_STANDARD',
  },

  // fail closed
  {
    name: 'missing geolocation section',
    patch: (e) => delete (e as Partial<AccessVerifiedV1>).geo,
    outcome: 'deny',
    reason: 'EVIDENCE_MISSING',
  },
  {
    name: 'missing screening',
    patch: (e) => delete (e.verification as Partial<AccessVerifiedV1['verification']>).screening,
    outcome: 'deny',
    reason: 'EVIDENCE_MISSING',
  },
  {
    name: 'geolocation unavailable',
    patch: (e) => void (e.geo.status = 'unavailable'),
    outcome: 'deny',
    reason: 'GEO_UNAVAILABLE',
  },
  {
    name: 'verification unavailable',
    patch: (e) => void (e.verification.status = 'unavailable'),
    outcome: 'deny',
    reason: 'VERIFICATION_UNAVAILABLE',
  },
  {
    name: 'screening unavailable',
    patch: both(standard, (e) => void (e.verification.screening.status = 'unavailable')),
    outcome: 'deny',
    reason: 'SCREENING_UNAVAILABLE',
  },
  {
    name: 'evidence older than 5 minutes',
    now: ENRICHED_EVENT_DECIDE_AT + minutes(6),
    outcome: 'deny',
    reason: 'EVIDENCE_STALE',
  },
  {
    name: 'stale denied-party lists',
    patch: (e) => void (e.verification.screening.stale = true),
    outcome: 'deny',
    reason: 'SCREENING_LIST_STALE',
  },
  {
    name: 'standard: stale denied-party lists',
    patch: both(standard, (e) => void (e.verification.screening.stale = true)),
    outcome: 'deny',
    reason: 'SCREENING_LIST_STALE',
  },
  {
    name: 'screening without a list freshness flag counts as stale',
    patch: both(standard, (e) => delete e.verification.screening.stale),
    outcome: 'deny',
    reason: 'SCREENING_LIST_STALE',
  },
  {
    name: 'stale registry data',
    patch: both(standard, (e) => void (e.verification.stale = true)),
    outcome: 'deny',
    reason: 'VERIFICATION_STALE',
  },
  {
    name: 'unroutable address',
    patch: (e) => {
      e.geo.ip = { ...e.geo.ip, ip: '10.1.2.3', country: 'unknown', unroutable: true, range: 'private' };
    },
    outcome: 'deny',
    reason: 'GEO_UNROUTABLE_ADDRESS',
    also: ['GEO_UNKNOWN_LOCATION'],
  },
  {
    name: 'routable address with unknown country',
    patch: both(standard, (e) => void (e.geo.ip.country = 'unknown')),
    outcome: 'deny',
    reason: 'GEO_UNKNOWN_LOCATION',
    also: ['GEO_CLAIMED_COUNTRY_MISMATCH'],
  },
  {
    name: 'unknown model',
    patch: (e) => void (e.request.resource.model = 'mystery-9'),
    outcome: 'deny',
    reason: 'MODEL_UNKNOWN',
  },
  {
    name: 'unknown screening status falls through to the default deny',
    patch: (e) => void (e.verification.screening.status = 'pending' as 'clear'),
    outcome: 'deny',
    reason: 'DEFAULT_DENY',
  },
  {
    name: 'standard: unknown screening status falls through to the default deny',
    patch: both(standard, (e) => void (e.verification.screening.status = 'pending' as 'clear')),
    outcome: 'deny',
    reason: 'DEFAULT_DENY',
  },
  {
    name: 'malformed enrichment makes evaluation fail',
    patch: (e) => void (e.geo.ip.anonymizers = 7 as unknown as []),
    outcome: 'deny',
    reason: 'EVALUATION_ERROR',
  },

  // every model
  {
    name: 'standard: embargoed country',
    patch: both(standard, (e) => void (e.geo.ip.country = 'IR')),
    outcome: 'deny',
    reason: 'GEO_EMBARGOED_COUNTRY',
  },
  {
    name: 'frontier: embargoed country also lists the frontier reasons',
    patch: (e) => void (e.geo.ip.country = 'KP'),
    outcome: 'deny',
    reason: 'GEO_EMBARGOED_COUNTRY',
    also: ['GEO_COUNTRY_OF_CONCERN', 'GEO_NOT_DOMESTIC'],
  },
  {
    name: 'standard: Crimea',
    patch: both(standard, (e) => {
      e.geo.ip.country = 'UA';
      e.geo.ip.sanctionedRegion = 'crimea';
      e.request.subject.claimedCountry = 'UA';
    }),
    outcome: 'deny',
    reason: 'GEO_SANCTIONED_REGION',
  },
  {
    name: 'standard: X-Forwarded-For hop in Cuba',
    patch: both(
      standard,
      (e) => void e.geo.forwardedFor.push({ ...e.geo.ip, ip: '152.206.0.1', country: 'CU' }),
    ),
    outcome: 'deny',
    reason: 'GEO_FORWARDED_FOR_RESTRICTED',
  },
  {
    name: 'standard: X-Forwarded-For hop in Luhansk',
    patch: both(
      standard,
      (e) =>
        void e.geo.forwardedFor.push({
          ...e.geo.ip,
          ip: '193.0.0.9',
          country: 'UA',
          sanctionedRegion: 'luhansk',
        }),
    ),
    outcome: 'deny',
    reason: 'GEO_FORWARDED_FOR_RESTRICTED',
  },
  {
    name: 'standard: claims an embargoed country',
    patch: both(standard, (e) => void (e.request.subject.claimedCountry = 'CU')),
    outcome: 'deny',
    reason: 'GEO_CLAIMED_EMBARGOED',
    also: ['GEO_CLAIMED_COUNTRY_MISMATCH'],
  },
  {
    name: 'standard: screening match',
    patch: both(standard, (e) => void (e.verification.screening.status = 'match')),
    outcome: 'deny',
    reason: 'SCREENING_MATCH',
  },
  {
    name: 'standard: Tor exit',
    patch: both(standard, (e) => void e.geo.ip.anonymizers.push({ kind: 'tor', source: 'tor-exit-list' })),
    outcome: 'deny',
    reason: 'NET_TOR',
  },
  {
    name: 'standard: operator deny list',
    patch: both(
      standard,
      (e) => void e.geo.ip.operatorLists.push({ list: 'deny', label: 'abuse', cidr: '198.51.100.0/24' }),
    ),
    outcome: 'deny',
    reason: 'NET_OPERATOR_DENY_LIST',
  },

  // standard challenges
  {
    name: 'standard: claimed/observed country mismatch',
    patch: both(standard, (e) => void (e.request.subject.claimedCountry = 'CA')),
    outcome: 'challenge',
    reason: 'GEO_CLAIMED_COUNTRY_MISMATCH',
    obligations: ['step-up:identity'],
  },
  {
    name: 'standard: potential screening match',
    patch: both(standard, (e) => void (e.verification.screening.status = 'potential-match')),
    outcome: 'challenge',
    reason: 'SCREENING_POTENTIAL_MATCH',
    obligations: ['step-up:identity'],
  },
  {
    name: 'standard: mismatch and potential match list both',
    patch: both(standard, (e) => {
      e.request.subject.claimedCountry = 'CA';
      e.verification.screening.status = 'potential-match';
    }),
    outcome: 'challenge',
    reason: 'GEO_CLAIMED_COUNTRY_MISMATCH',
    also: ['SCREENING_POTENTIAL_MATCH'],
    obligations: ['step-up:identity'],
  },

  // frontier
  {
    name: 'frontier: country of concern',
    patch: (e) => void (e.geo.ip.country = 'CN'),
    outcome: 'deny',
    reason: 'GEO_COUNTRY_OF_CONCERN',
    also: ['GEO_NOT_DOMESTIC'],
  },
  {
    name: 'frontier: foreign but not of concern',
    patch: (e) => void (e.geo.ip.country = 'DE'),
    outcome: 'deny',
    reason: 'GEO_NOT_DOMESTIC',
  },
  {
    name: 'frontier: X-Forwarded-For hop abroad',
    patch: (e) => void e.geo.forwardedFor.push({ ...e.geo.ip, ip: '203.0.113.5', country: 'FR' }),
    outcome: 'deny',
    reason: 'GEO_FORWARDED_FOR_NOT_DOMESTIC',
  },
  {
    name: 'frontier: claims a foreign country',
    patch: (e) => void (e.request.subject.claimedCountry = 'GB'),
    outcome: 'deny',
    reason: 'GEO_CLAIMED_NOT_DOMESTIC',
  },
  {
    name: 'frontier: VPN',
    patch: (e) => void e.geo.ip.anonymizers.push({ kind: 'vpn', source: 'vpn-list' }),
    outcome: 'deny',
    reason: 'NET_VPN',
  },
  {
    name: 'frontier: privacy relay',
    patch: (e) => void e.geo.ip.anonymizers.push({ kind: 'relay', source: 'x4bnet-vpn' }),
    outcome: 'deny',
    reason: 'NET_PRIVATE_RELAY',
  },
  {
    name: 'frontier: public proxy',
    patch: (e) => void e.geo.ip.anonymizers.push({ kind: 'proxy', source: 'proxy-list' }),
    outcome: 'deny',
    reason: 'NET_PROXY',
  },
  {
    name: 'frontier: Tor (every-model rule decides)',
    patch: (e) => void e.geo.ip.anonymizers.push({ kind: 'tor', source: 'tor-exit-list' }),
    outcome: 'deny',
    reason: 'NET_TOR',
  },
  {
    name: 'frontier: hosting outside the registered egress ranges',
    patch: (e) => {
      e.geo.ip.anonymizers.push({ kind: 'hosting', source: 'hosting-asn' });
      e.verification.organization!.egressMatch = false;
    },
    outcome: 'deny',
    reason: 'NET_HOSTING',
  },
  {
    name: 'frontier: identity-verified user only',
    patch: (e) => void (e.verification.user.level = 'identity'),
    outcome: 'deny',
    reason: 'VERIFICATION_LEVEL_INSUFFICIENT',
  },
  {
    name: 'frontier: user verification expired',
    patch: (e) => void (e.verification.user.expired = true),
    outcome: 'deny',
    reason: 'VERIFICATION_EXPIRED',
  },
  {
    name: 'frontier: no organisation',
    patch: (e) => delete e.verification.organization,
    outcome: 'deny',
    reason: 'ENTITY_NOT_APPROVED',
    also: ['ENTITY_NOT_DOMESTIC'],
  },
  {
    name: 'frontier: organisation without approval',
    patch: (e) => delete e.verification.organization!.approval,
    outcome: 'deny',
    reason: 'ENTITY_NOT_APPROVED',
  },
  {
    name: 'frontier: approval revoked',
    patch: (e) => Object.assign(e.verification.organization!.approval!, { revoked: true, valid: false }),
    outcome: 'deny',
    reason: 'ENTITY_APPROVAL_REVOKED',
  },
  {
    name: 'frontier: approval expired before the decision',
    patch: (e) => void (e.verification.organization!.approval!.expiresAt = '2026-11-27T09:59:00.000Z'),
    outcome: 'deny',
    reason: 'ENTITY_APPROVAL_EXPIRED',
  },
  {
    name: 'frontier: approval not valid for another reason',
    patch: (e) => void (e.verification.organization!.approval!.valid = false),
    outcome: 'deny',
    reason: 'ENTITY_NOT_APPROVED',
  },
  {
    name: 'frontier: foreign-owned organisation',
    patch: (e) =>
      void (e.verification.organization!.ownership = {
        foreignOwned: true,
        controllingCountry: 'CN',
        foreignShare: 60,
      }),
    outcome: 'deny',
    reason: 'ENTITY_FOREIGN_OWNED',
  },
  {
    name: 'frontier: organisation incorporated abroad',
    patch: (e) => void (e.verification.organization!.countryOfIncorporation = 'CA'),
    outcome: 'deny',
    reason: 'ENTITY_NOT_DOMESTIC',
  },
  {
    name: 'frontier: potential screening match',
    patch: (e) => void (e.verification.screening.status = 'potential-match'),
    outcome: 'challenge',
    reason: 'SCREENING_POTENTIAL_MATCH',
    obligations: ['step-up:identity'],
  },
];

describe('default policy', () => {
  let sut: CompiledPolicy;
  const seen = new Map<string, Set<string>>();

  beforeAll(() => {
    sut = loadPolicyFile(DEFAULT_POLICY_PATH).policy;
  });

  it.each(CASES)('$name → $outcome $reason', (c) => {
    const decision = sut.evaluate(anEnrichedEvent(c.patch), { now: c.now ?? ENRICHED_EVENT_DECIDE_AT });

    expect(decision.outcome).toBe(c.outcome);
    expect(decision.reasons[0]!.code).toBe(c.reason);
    for (const code of c.also ?? []) expect(decision.reasons.map((r) => r.code)).toContain(code);
    expect(decision.obligations).toEqual(c.obligations ?? []);
    if (c.outcome === 'allow') expect(decision.reasons).toHaveLength(1);
    for (const r of decision.reasons) {
      if (!seen.has(r.code)) seen.set(r.code, new Set());
      seen.get(r.code)!.add(decision.outcome);
    }
    seen.set(`outcome:${decision.outcome}`, new Set());
  });

  it('reaches every reason code and every outcome', () => {
    const unavailable = policyUnavailableDecision(anEnrichedEvent(), ENRICHED_EVENT_DECIDE_AT);
    seen.set(unavailable.reasons[0]!.code, new Set([unavailable.outcome]));

    expect(REASON_CODES.filter((code) => !seen.has(code))).toEqual([]);
    expect(OUTCOMES.filter((o) => !seen.has(`outcome:${o}`))).toEqual([]);
  });

  it('records the policy, the matched rules, the tier and the stage latencies', () => {
    const decision = sut.evaluate(
      anEnrichedEvent((e) => void (e.geo.ip.country = 'DE')),
      {
        now: ENRICHED_EVENT_DECIDE_AT,
      },
    );

    expect(decision.policy).toMatchObject({ id: 'default', version: expect.any(String) });
    expect(decision.policy.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(decision.policy.datasets?.[0]?.version).toMatch(/^\d{4}-\d{2}-\d{2};sha256:[0-9a-f]{64}$/);
    expect(decision.tier).toBe('frontier');
    expect(decision.trace.filter((t) => t.matched).map((t) => t.rule)).toEqual(['frontier-not-domestic']);
    expect(decision.trace.length).toBeGreaterThan(20);
    expect(decision.latency).toEqual({ geolocationMs: 8, verificationMs: 12, decisionMs: 30, totalMs: 50 });
    expect(decision.decidedAt).toBe(new Date(ENRICHED_EVENT_DECIDE_AT).toISOString());
  });

  it('never caches a fail-closed deny caused by our own evidence', () => {
    const decision: PolicyDecision = sut.evaluate(
      anEnrichedEvent((e) => void (e.geo.status = 'unavailable')),
      { now: ENRICHED_EVENT_DECIDE_AT },
    );

    expect(decision.ttlSeconds).toBe(0);
  });

  it('maps model ids to tiers by pattern', () => {
    expect(
      ['frontier-1', 'acme-frontier', 'standard-2', 'embed-x', 'other'].map((m) => sut.tierOf(m)),
    ).toEqual(['frontier', 'frontier', 'standard', 'standard', undefined]);
  });
});
