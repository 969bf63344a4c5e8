import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { VerificationEnv } from '../verification.env';
import { RegistryCache } from './registry.cache';
import { SubjectRepository } from './subject.repository';
import { HistorySchema, OrganizationSchema, UserSchema } from './subject.schema';

function databaseUri(name: string): string {
  const uri = new URL(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27018/clearance');
  uri.pathname = `/${name}`;
  return uri.toString();
}

const ctx = { actor: 'test', source: 'admin' as const, reason: 'test' };

// Real: FerretDB and the repository's mongoose models; the cache reads and follows them.
describe(`${RegistryCache.name} over the real database`, () => {
  let connection: mongoose.Connection;
  let repository: SubjectRepository;

  beforeAll(async () => {
    connection = await mongoose
      .createConnection(databaseUri(`cache_${randomUUID().slice(0, 8)}`))
      .asPromise();
    repository = new SubjectRepository(
      connection.model('U', UserSchema),
      connection.model('O', OrganizationSchema),
      connection.model('H', HistorySchema),
    );
    await repository.ensureIndexes();
  });

  afterAll(async () => {
    await connection?.dropDatabase().catch(() => undefined);
    await connection?.close();
  });

  it('loads what is stored, follows its own writes at once and another writer after a re-read', async () => {
    await repository.putOrganization(
      { organizationId: 'o-1', legalName: 'One Inc', countryOfIncorporation: 'US', egressRanges: [] },
      ctx,
    );
    await repository.putUser({ userId: 'u-1', level: 'identity', organizationId: 'o-1' }, ctx);
    const sut = new RegistryCache(
      repository,
      Object.assign(new VerificationEnv(), { REGISTRY_CACHE_REFRESH_MS: 300_000 }),
    );
    await sut.refresh();
    expect(sut.lookup('u-1', undefined)).toMatchObject({
      user: { record: { userId: 'u-1', level: 'identity' }, version: 1 },
      organization: { record: { organizationId: 'o-1' }, version: 1 },
    });

    // a write through this process's repository: in the cache before the call returns
    await repository.putUser({ userId: 'u-1', level: 'entity-approved', organizationId: 'o-1' }, ctx);
    expect(sut.lookup('u-1', undefined).user).toMatchObject({
      record: { level: 'entity-approved' },
      version: 2,
    });

    // another replica's write (a second repository on the same database): seen after the next full read
    const other = new SubjectRepository(
      connection.model('U', UserSchema),
      connection.model('O', OrganizationSchema),
      connection.model('H', HistorySchema),
    );
    await other.putUser({ userId: 'u-2', level: 'email' }, ctx);
    expect(sut.lookup('u-2', undefined).user).toBeNull();
    await sut.refresh();
    expect(sut.lookup('u-2', undefined).user).toMatchObject({ record: { level: 'email' } });
    expect(sut.size).toEqual({ users: 2, organizations: 1 });
  });
});
