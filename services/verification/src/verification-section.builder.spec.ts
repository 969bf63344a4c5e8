import { aGeolocatedEvent } from '@clearance/testing';
import type { OrganizationRecord, Stored, UserRecord } from './registry/subject.schema';
import { NameScreener } from './screening/name.screener';
import { parseOfacSdn } from './screening/sanctions.parser';
import {
  buildVerificationSection,
  inRanges,
  ownershipOf,
  type EnrichmentRules,
} from './verification-section.builder';

const NOW = new Date('2026-11-27T12:00:00Z');
const DAY = 86_400_000;
const days = (n: number): Date => new Date(NOW.getTime() + n * DAY);

const screener = new NameScreener([
  parseOfacSdn(
    {
      sdn:
        '1572,"NORIEGA, Manuel Antonio","individual","CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n' +
        '306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n',
      alt: '306,220,"aka","NATIONAL BANK OF CUBA",-0- \n',
    },
    '2021-07',
    'h',
  ),
]);
const rules: EnrichmentRules = { countriesOfConcern: new Set(['CN', 'RU', 'IR']), staleAfterMs: 365 * DAY };

function stored<T>(record: T, updatedAt = days(-1)): Stored<T> {
  return { record, version: 1, updatedAt, updatedBy: 'test' };
}

const aUser = (over: Partial<UserRecord> = {}): Stored<UserRecord> =>
  stored({
    userId: 'u-1',
    level: 'entity-approved',
    residenceCountry: 'US',
    verifiedAt: days(-10),
    expiresAt: days(300),
    organizationId: 'org-1',
    name: 'Jane Doe',
    ...over,
  });

const anOrg = (over: Partial<OrganizationRecord> = {}): Stored<OrganizationRecord> =>
  stored({
    organizationId: 'org-1',
    legalName: 'Example Labs Inc',
    countryOfIncorporation: 'US',
    approval: { approvalId: 'a-1', approvedAt: days(-30), expiresAt: days(300), revoked: false },
    egressRanges: ['203.0.113.0/24'],
    ...over,
  });

const event = aGeolocatedEvent({
  request: {
    subject: { userId: 'u-1', name: undefined, organizationName: undefined },
    network: { ip: '203.0.113.7' },
  },
});

describe(buildVerificationSection.name, () => {
  it.each(['none', 'email', 'identity', 'entity-approved'] as const)(
    'reports level %s as the registry holds it',
    (level) => {
      const sut = buildVerificationSection(
        event,
        { status: 'ok', user: aUser({ level }), organization: anOrg() },
        screener,
        rules,
        NOW,
      );
      expect(sut.status).toBe('ok');
      expect(sut.user).toMatchObject({ found: true, level, expired: false, organizationId: 'org-1' });
    },
  );

  it('reports an unknown user as level none, not found', () => {
    const sut = buildVerificationSection(
      event,
      { status: 'ok', user: null, organization: null },
      screener,
      rules,
      NOW,
    );
    expect(sut.user).toEqual({ found: false, level: 'none', expired: false });
  });

  it('marks an expired user verification', () => {
    const sut = buildVerificationSection(
      event,
      { status: 'ok', user: aUser({ expiresAt: days(-1) }), organization: anOrg() },
      screener,
      rules,
      NOW,
    );
    expect(sut.user.expired).toBe(true);
  });

  it('holds a current approval valid and an egress address matched', () => {
    const sut = buildVerificationSection(
      event,
      { status: 'ok', user: aUser(), organization: anOrg() },
      screener,
      rules,
      NOW,
    );
    expect(sut.organization).toMatchObject({
      found: true,
      approval: { approvalId: 'a-1', valid: true, revoked: false },
      egressMatch: true,
    });
  });

  it('holds an expired approval invalid', () => {
    const org = anOrg({
      approval: { approvalId: 'a-1', approvedAt: days(-400), expiresAt: days(-1), revoked: false },
    });
    const sut = buildVerificationSection(
      event,
      { status: 'ok', user: aUser(), organization: org },
      screener,
      rules,
      NOW,
    );
    expect(sut.organization?.approval).toMatchObject({ valid: false, revoked: false });
  });

  it('holds a revoked approval invalid', () => {
    const org = anOrg({
      approval: { approvalId: 'a-1', approvedAt: days(-30), expiresAt: days(300), revoked: true },
    });
    const sut = buildVerificationSection(
      event,
      { status: 'ok', user: aUser(), organization: org },
      screener,
      rules,
      NOW,
    );
    expect(sut.organization?.approval).toMatchObject({ valid: false, revoked: true });
  });

  it('says unavailable and vouches for nothing when the registry could not be read', () => {
    const sut = buildVerificationSection(event, { status: 'unavailable' }, screener, rules, NOW);
    expect(sut).toMatchObject({ status: 'unavailable', user: { found: false, level: 'none' } });
    expect(sut.organization).toBeUndefined();
  });

  it('flags registry data older than the bound as stale', () => {
    const sut = buildVerificationSection(
      event,
      { status: 'ok', user: aUser({ verifiedAt: days(-400) }), organization: anOrg() },
      screener,
      rules,
      NOW,
    );
    expect(sut.stale).toBe(true);
  });

  it('screens the registry names and the names given in the request, worst status first', () => {
    const withNames = aGeolocatedEvent({
      request: {
        subject: { userId: 'u-1', name: 'Manuel Antonio Noriega', organizationName: 'Example Labs' },
      },
    });
    const org = anOrg({ parentName: 'National Bank of Cuba', parentCountry: 'CU', foreignShare: 10 });
    const sut = buildVerificationSection(
      withNames,
      { status: 'ok', user: aUser(), organization: org },
      screener,
      rules,
      NOW,
    );
    expect(sut.screening.status).toBe('match');
    expect(sut.screening.matches.map((m) => [m.field, m.entryId])).toEqual(
      expect.arrayContaining([
        ['subject-name', '1572'],
        ['parent-name', '306'],
      ]),
    );
    expect(sut.screening.lists).toEqual([{ name: 'ofac-sdn', version: '2021-07;sha256:h' }]);
    // a list of 2021-07 is far older than the default 30 days at NOW
    expect(sut.screening.stale).toBe(true);
  });

  it('flags the screening stale only past the maximum list age, also when the registry is unavailable', () => {
    const current = new NameScreener(
      [
        parseOfacSdn(
          { sdn: '1,"DOE, John",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n' },
          '2026-11-01',
          'h',
        ),
      ],
      100,
      30,
    );
    // a list of 2026-11-01 is 26 days old at NOW and 56 days old 30 days later
    expect(
      buildVerificationSection(event, { status: 'unavailable' }, current, rules, NOW).screening,
    ).toMatchObject({
      status: 'clear',
      stale: false,
    });
    expect(
      buildVerificationSection(event, { status: 'unavailable' }, current, rules, days(30)).screening.stale,
    ).toBe(true);
  });

  it('clears a subject whose names are not listed', () => {
    const sut = buildVerificationSection(
      event,
      { status: 'ok', user: aUser(), organization: anOrg() },
      screener,
      rules,
      NOW,
    );
    expect(sut.screening).toMatchObject({ status: 'clear', matches: [] });
  });
});

describe(ownershipOf.name, () => {
  const org = anOrg().record;

  it('treats an entity more than 50 % held from a country of concern as that country', () => {
    expect(ownershipOf({ ...org, parentCountry: 'CN', foreignShare: 51 }, rules.countriesOfConcern)).toEqual({
      foreignOwned: true,
      controllingCountry: 'CN',
      foreignShare: 51,
    });
  });

  it('does not at exactly 50 % or from other countries', () => {
    expect(
      ownershipOf({ ...org, parentCountry: 'CN', foreignShare: 50 }, rules.countriesOfConcern).foreignOwned,
    ).toBe(false);
    expect(
      ownershipOf({ ...org, parentCountry: 'DE', foreignShare: 100 }, rules.countriesOfConcern),
    ).toMatchObject({
      foreignOwned: false,
      controllingCountry: 'US',
    });
  });
});

describe(inRanges.name, () => {
  it('matches IPv4, IPv4-mapped IPv6 and IPv6 ranges, and never a bad range', () => {
    expect(inRanges('203.0.113.7', ['203.0.113.0/24'])).toBe(true);
    expect(inRanges('::ffff:203.0.113.7', ['203.0.113.0/24'])).toBe(true);
    expect(inRanges('2001:db8::1', ['2001:db8::/32'])).toBe(true);
    expect(inRanges('198.51.100.1', ['203.0.113.0/24', 'nonsense'])).toBe(false);
  });
});
