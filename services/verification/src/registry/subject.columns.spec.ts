import { OrganizationColumns, UserColumns } from './subject.columns';
import type { OrganizationRecord, Stored, UserRecord } from './subject.schema';

const at = (iso: string) => new Date(iso);
const stored = <T>(record: T, version = 1, updatedBy = 'admin:alice'): Stored<T> => ({
  record,
  version,
  updatedAt: at('2026-11-30T12:34:56.789Z'),
  updatedBy,
});

const fullUser: UserRecord = {
  userId: 'u-1',
  level: 'entity-approved',
  residenceCountry: 'US',
  verifiedAt: at('2026-01-02T03:04:05.006Z'),
  expiresAt: at('2027-01-02T03:04:05.006Z'),
  organizationId: 'o-1',
  name: 'Jane Q. Example',
};

const fullOrganization: OrganizationRecord = {
  organizationId: 'o-1',
  legalName: 'Example Holdings Inc',
  countryOfIncorporation: 'US',
  parentName: 'Example Parent GmbH',
  parentCountry: 'DE',
  foreignShare: 49.5,
  approval: {
    approvalId: 'appr-7',
    approvedAt: at('2026-02-01T00:00:00.000Z'),
    expiresAt: at('2027-02-01T00:00:00.000Z'),
    revoked: true,
    revokedAt: at('2026-06-01T10:00:00.001Z'),
  },
  egressRanges: ['198.51.100.0/24', '2001:db8::/32'],
};

describe(UserColumns.name, () => {
  it('gives back every field exactly as stored, and only the fields stored', () => {
    const sut = new UserColumns();
    sut.set('u-1', stored(fullUser, 7), 1);
    sut.set('u-2', stored({ userId: 'u-2', level: 'none' }), 1);

    expect(sut.get('u-1')).toStrictEqual(stored(fullUser, 7));
    expect(sut.get('u-2')).toStrictEqual(stored({ userId: 'u-2', level: 'none' }));
    expect(sut.wholeRecords).toBe(0);
  });

  it('answers null for an id it does not hold', () => {
    const sut = new UserColumns();
    sut.set('u-1', stored(fullUser), 1);

    expect(sut.get('u-9')).toBeNull();
    expect(sut.versionOf('u-9')).toBeUndefined();
  });

  it('keeps values it has never seen as they are (a new level, an unknown country code, any actor)', () => {
    const sut = new UserColumns();
    const odd = stored(
      { userId: 'u-1', level: 'platinum' as UserRecord['level'], residenceCountry: 'ZZ' },
      1,
      'x',
    );
    sut.set('u-1', odd, 1);

    expect(sut.get('u-1')).toStrictEqual(odd);
    expect(sut.wholeRecords).toBe(0);
  });

  it('keeps a record whole when a field does not fit its column, and packs it again once it does', () => {
    const sut = new UserColumns();
    const textDate = stored({ ...fullUser, verifiedAt: '2026-01-02' as unknown as Date });
    const extraField = stored({ ...fullUser, nickname: 'jq' } as UserRecord);
    const invalidDate = stored({ ...fullUser, expiresAt: new Date(NaN) });
    const fractionalVersion = stored(fullUser, 1.5);
    sut.set('u-1', textDate, 1);
    sut.set('u-2', extraField, 1);
    sut.set('u-3', invalidDate, 1);
    sut.set('u-4', fractionalVersion, 1);

    expect(sut.get('u-1')).toBe(textDate);
    expect(sut.get('u-2')).toBe(extraField);
    expect(sut.get('u-3')).toBe(invalidDate);
    expect(sut.get('u-4')).toBe(fractionalVersion);
    expect(sut.wholeRecords).toBe(4);

    sut.set('u-1', stored(fullUser, 2), 1);
    expect(sut.get('u-1')).toStrictEqual(stored(fullUser, 2));
    expect(sut.wholeRecords).toBe(3);
    expect(sut.size).toBe(4);
  });

  it('keeps records whole once an interned column is full', () => {
    const sut = new UserColumns();
    for (let i = 0; i < 0xffff; i++)
      sut.set(`u-${i}`, stored({ userId: `u-${i}`, level: 'none', residenceCountry: `c${i}` }), 1);
    const overflow = stored({ userId: 'u-x', level: 'none', residenceCountry: 'one too many' } as UserRecord);
    sut.set('u-x', overflow, 1);

    expect(sut.wholeRecords).toBe(1);
    expect(sut.get('u-x')).toBe(overflow);
    expect(sut.get('u-65534')?.record.residenceCountry).toBe('c65534');
  });

  it('returns the same decoded object until the record changes', () => {
    const sut = new UserColumns();
    sut.set('u-1', stored(fullUser), 1);
    const first = sut.get('u-1');

    expect(sut.get('u-1')).toBe(first);
    sut.set('u-1', stored({ ...fullUser, level: 'none' }, 2), 1);
    expect(sut.get('u-1')).not.toBe(first);
    expect(sut.get('u-1')?.record.level).toBe('none');
  });

  it('compares a record with what it holds ignoring undefined members', () => {
    const sut = new UserColumns();
    sut.set('u-1', stored(fullUser), 1);

    sut.set('u-2', stored({ userId: 'u-2', level: 'none' }), 1);

    expect(sut.holds('u-2', stored({ userId: 'u-2', level: 'none', name: undefined }))).toBe(true);
    expect(sut.holds('u-1', stored({ ...fullUser }))).toBe(true);
    expect(sut.holds('u-1', stored({ ...fullUser, name: 'Someone Else' }))).toBe(false);
    expect(sut.holds('u-1', stored(fullUser, 2))).toBe(false);
    expect(sut.holds('u-1', { ...stored(fullUser), updatedBy: 'other' })).toBe(false);
  });

  it('removes what a full read did not see, and a freed slot keeps nothing of its last record', () => {
    const sut = new UserColumns();
    sut.set('u-1', stored(fullUser), 1);
    sut.set('u-2', stored({ userId: 'u-2', level: 'email' }), 1);
    sut.set('u-3', stored({ ...fullUser, userId: 'u-3', nickname: 'kept whole' } as UserRecord), 1);
    sut.touch('u-2', 2);
    sut.sweep(2);

    expect(sut.get('u-1')).toBeNull();
    expect(sut.get('u-3')).toBeNull();
    expect(sut.get('u-2')?.record.level).toBe('email');
    expect(sut.size).toBe(1);

    sut.set('u-4', stored({ userId: 'u-4', level: 'identity' }), 2);
    expect(sut.get('u-4')).toStrictEqual(stored({ userId: 'u-4', level: 'identity' }));
  });

  it('grows past its initial capacity without losing a record', () => {
    const sut = new UserColumns();
    for (let i = 0; i < 5000; i++)
      sut.set(`u-${i}`, stored({ ...fullUser, userId: `u-${i}`, name: `n${i}` }, i + 1), 1);

    for (const i of [0, 1023, 1024, 4999])
      expect(sut.get(`u-${i}`)).toStrictEqual(
        stored({ ...fullUser, userId: `u-${i}`, name: `n${i}` }, i + 1),
      );
  });
});

describe(OrganizationColumns.name, () => {
  it('gives back every field exactly as stored, approval included', () => {
    const sut = new OrganizationColumns();
    const minimal: OrganizationRecord = {
      organizationId: 'o-2',
      legalName: 'Two LLC',
      countryOfIncorporation: 'US',
      egressRanges: [],
    };
    const unrevoked: OrganizationRecord = {
      organizationId: 'o-3',
      legalName: 'Three',
      countryOfIncorporation: 'CA',
      foreignShare: 0,
      approval: { approvalId: 'a-3', approvedAt: at('2026-03-03T00:00:00Z'), revoked: false },
      egressRanges: ['203.0.113.7/32'],
    };
    sut.set('o-1', stored(fullOrganization, 3), 1);
    sut.set('o-2', stored(minimal), 1);
    sut.set('o-3', stored(unrevoked), 1);

    expect(sut.get('o-1')).toStrictEqual(stored(fullOrganization, 3));
    expect(sut.get('o-2')).toStrictEqual(stored(minimal));
    expect(sut.get('o-3')).toStrictEqual(stored(unrevoked));
    expect(sut.wholeRecords).toBe(0);
  });

  it('hands out egress ranges a caller cannot change in the cache', () => {
    const sut = new OrganizationColumns();
    sut.set('o-1', stored(fullOrganization), 1);
    sut.get('o-1')!.record.egressRanges.push('0.0.0.0/0');
    sut.set('o-1', stored(fullOrganization, 2), 1);

    expect(sut.get('o-1')!.record.egressRanges).toEqual(fullOrganization.egressRanges);
  });

  it('keeps a record whole when a field does not fit (NaN share, an approval without its date, no legal name)', () => {
    const sut = new OrganizationColumns();
    const nanShare = stored({ ...fullOrganization, foreignShare: NaN });
    const noApprovalDate = stored({
      ...fullOrganization,
      approval: { approvalId: 'a', revoked: false } as unknown as OrganizationRecord['approval'],
    });
    const noName = stored({ ...fullOrganization, legalName: undefined } as unknown as OrganizationRecord);
    sut.set('o-1', nanShare, 1);
    sut.set('o-2', noApprovalDate, 1);
    sut.set('o-3', noName, 1);

    expect(sut.get('o-1')).toBe(nanShare);
    expect(sut.get('o-2')).toBe(noApprovalDate);
    expect(sut.get('o-3')).toBe(noName);
    expect(sut.wholeRecords).toBe(3);
  });

  it('gives users its own copy of an organisation id, and the argument for one it does not hold', () => {
    const sut = new OrganizationColumns();
    sut.set('o-1', stored(fullOrganization), 1);

    expect(sut.sameString('o-1')).toBe('o-1');
    expect(sut.sameString('o-unknown')).toBe('o-unknown');
  });
});
