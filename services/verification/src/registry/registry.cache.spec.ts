import { VerificationEnv } from '../verification.env';
import { RegistryCache, RegistryCacheStaleError } from './registry.cache';
import type { SubjectChange, SubjectRepository } from './subject.repository';
import type { OrganizationRecord, Stored, UserRecord } from './subject.schema';

const user = (userId: string, version: number, organizationId?: string): Stored<UserRecord> => ({
  record: { userId, level: 'identity', organizationId },
  version,
  updatedAt: new Date('2026-11-01T00:00:00Z'),
  updatedBy: 'test',
});
const org = (organizationId: string, version: number): Stored<OrganizationRecord> => ({
  record: {
    organizationId,
    legalName: `${organizationId} Inc`,
    countryOfIncorporation: 'US',
    egressRanges: [],
  },
  version,
  updatedAt: new Date('2026-11-01T00:00:00Z'),
  updatedBy: 'test',
});

/** The repository as the cache sees it: full reads it can hold open, and the change feed of its writes. */
function fakeRepository(users: Stored<UserRecord>[], organizations: Stored<OrganizationRecord>[]) {
  let emit: (c: SubjectChange) => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const repository = {
    onChange: (l: (c: SubjectChange) => void) => (emit = l),
    eachUser: async (visit: (u: Stored<UserRecord>) => void) => {
      await gate;
      users.forEach((u) => visit(u));
    },
    eachOrganization: async (visit: (o: Stored<OrganizationRecord>) => void) => {
      organizations.forEach((o) => visit(o));
    },
  } as unknown as SubjectRepository;
  return {
    repository,
    write: (c: SubjectChange) => emit(c),
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return release;
    },
  };
}

const env = (overrides: Partial<VerificationEnv> = {}) =>
  Object.assign(new VerificationEnv(), { REGISTRY_CACHE_REFRESH_MS: 60_000, ...overrides });

describe(RegistryCache.name, () => {
  afterEach(() => jest.restoreAllMocks());

  it('vouches for nothing before the first full read', () => {
    const { repository } = fakeRepository([], []);
    const sut = new RegistryCache(repository, env());

    expect(() => sut.lookup('u-1', undefined)).toThrow(RegistryCacheStaleError);
  });

  it("answers from memory after a full read: the user and the user's organisation, or null for unknown ones", async () => {
    const { repository } = fakeRepository([user('u-1', 1, 'o-1')], [org('o-1', 1), org('o-2', 1)]);
    const sut = new RegistryCache(repository, env());
    await sut.refresh();

    expect(sut.lookup('u-1', 'o-2')).toEqual({ user: user('u-1', 1, 'o-1'), organization: org('o-1', 1) });
    expect(sut.lookup('nobody', 'o-2')).toEqual({ user: null, organization: org('o-2', 1) });
    expect(sut.lookup('nobody', undefined)).toEqual({ user: null, organization: null });
  });

  it('applies its own writes at once, and keeps one made during a re-read that returned an older version', async () => {
    const organizations = [org('o-1', 1)];
    const fake = fakeRepository([user('u-1', 1)], organizations);
    const sut = new RegistryCache(fake.repository, env());
    await sut.refresh();
    organizations[0] = org('o-1', 2);
    fake.write({ kind: 'organization', stored: org('o-1', 2) });
    expect(sut.lookup('u-1', 'o-1').organization?.version).toBe(2);

    const release = fake.hold();
    const reread = sut.refresh();
    fake.write({ kind: 'user', stored: user('u-1', 2) });
    release();
    await reread;

    // the re-read returned the user's version 1 (its read began before the write): the newer own write survives
    expect(sut.lookup('u-1', 'o-1').user?.version).toBe(2);
    expect(sut.lookup('u-1', 'o-1').organization?.version).toBe(2);
  });

  it('keeps the cached object of a record a re-read finds unchanged, and takes changed and removed ones from the re-read', async () => {
    const users = [user('u-1', 1), user('u-2', 1), user('u-3', 1)];
    const fake = fakeRepository(users, []);
    const sut = new RegistryCache(fake.repository, env());
    await sut.refresh();
    const cachedU1 = sut.lookup('u-1', undefined).user;

    // u-1 read again as an equal copy; u-2 edited in the database without a version bump; u-3 deleted
    users.splice(0, 3, user('u-1', 1), { ...user('u-2', 1), record: { userId: 'u-2', level: 'none' } });
    await sut.refresh();

    expect(sut.lookup('u-1', undefined).user).toBe(cachedU1);
    expect(sut.lookup('u-2', undefined).user?.record.level).toBe('none');
    expect(sut.lookup('u-3', undefined).user).toBeNull();
  });

  it('fails closed when no full read succeeded for longer than the maximum age', async () => {
    const { repository } = fakeRepository([user('u-1', 1)], []);
    const sut = new RegistryCache(repository, env({ REGISTRY_CACHE_MAX_AGE_MS: 5_000 }));
    const t0 = Date.now();
    await sut.refresh();

    jest.spyOn(Date, 'now').mockReturnValue(t0 + 60_000);

    expect(sut.fresh).toBe(false);
    expect(() => sut.lookup('u-1', undefined)).toThrow(/too old/);
  });

  it('keeps every record after a failed re-read, takes nothing of it as a full read, and fails closed when too old', async () => {
    const users = [user('u-1', 1), user('u-2', 1)];
    const fake = fakeRepository(users, []);
    const sut = new RegistryCache(fake.repository, env({ REGISTRY_CACHE_MAX_AGE_MS: 5_000 }));
    const t0 = Date.now();
    await sut.refresh();
    users.splice(1, 1);
    (fake.repository as unknown as { eachUser: unknown }).eachUser = async (
      visit: (u: Stored<UserRecord>) => void,
    ) => {
      visit(user('u-1', 2));
      throw new Error('connection lost');
    };
    await sut.refresh();

    // what the failed read saw is taken (the database had it), what it did not reach is not removed
    expect(sut.lookup('u-1', undefined).user?.version).toBe(2);
    expect(sut.lookup('u-2', undefined).user?.version).toBe(1);
    jest.spyOn(Date, 'now').mockReturnValue(t0 + 60_000);
    expect(() => sut.lookup('u-1', undefined)).toThrow(RegistryCacheStaleError);
  });

  it('keeps an own write made during a re-read that is newer than what the re-read found', async () => {
    const fake = fakeRepository([user('u-1', 1)], []);
    const sut = new RegistryCache(fake.repository, env());
    await sut.refresh();
    const release = fake.hold();
    const reread = sut.refresh();
    fake.write({ kind: 'user', stored: { ...user('u-1', 2), record: { userId: 'u-1', level: 'none' } } });
    fake.write({ kind: 'user', stored: user('u-new', 1) });
    release();
    await reread;

    expect(sut.lookup('u-1', undefined).user).toMatchObject({ version: 2, record: { level: 'none' } });
    // written during the read but not seen by it (written after its cursor passed): kept, not swept
    expect(sut.lookup('u-new', undefined).user?.version).toBe(1);
  });

  it('is off with REGISTRY_CACHE_REFRESH_MS=0 and does not subscribe to changes', () => {
    const onChange = jest.fn();
    const sut = new RegistryCache(
      { onChange } as unknown as SubjectRepository,
      env({ REGISTRY_CACHE_REFRESH_MS: 0 }),
    );

    expect(sut.enabled).toBe(false);
    expect(onChange).not.toHaveBeenCalled();
  });
});
