import { createServer, type AddressInfo } from 'node:net';
import { Topics, validateEvent } from '@clearance/contracts';
import { aGeolocatedEvent } from '@clearance/testing';
import mongoose from 'mongoose';
import { SubjectRepository } from '../src/registry/subject.repository';
import { HistorySchema, OrganizationSchema, UserSchema } from '../src/registry/subject.schema';
import { SanctionsScreener } from '../src/screening/sanctions.screener';
import { VerificationEnv } from '../src/verification.env';
import { Verifier } from '../src/verifier';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Real: the mongoose client against an address where no database answers, the real lists and enrichment.
describe('registry unavailable', () => {
  let connection: mongoose.Connection;

  afterAll(async () => {
    await connection?.close();
  });

  it('emits status unavailable (vouching for nothing) once the bounded retry time has passed', async () => {
    connection = mongoose.createConnection(`mongodb://127.0.0.1:${await closedPort()}/none`, {
      bufferCommands: false,
      serverSelectionTimeoutMS: 200,
    });
    connection.on('error', () => undefined);
    const repository = new SubjectRepository(
      connection.model('U', UserSchema),
      connection.model('O', OrganizationSchema),
      connection.model('H', HistorySchema),
    );
    const env = Object.assign(new VerificationEnv(), {
      REGISTRY_TIMEOUT_MS: 1000,
      SANCTIONS_RELOAD_INTERVAL_MS: 0,
    });
    const screener = new SanctionsScreener(env);
    await screener.onModuleInit();
    const sut = new Verifier(repository, screener, env);

    const input = aGeolocatedEvent({
      request: { subject: { userId: 'u-1', name: 'Sergei Kuzhugetovich Shoigu' } },
    });
    const out = await sut.verify(input);

    expect(out.verification).toMatchObject({ status: 'unavailable', user: { found: false, level: 'none' } });
    expect(out.verification.organization).toBeUndefined();
    expect(out.verification.screening.status).toBe('match');
    expect(validateEvent(Topics.AccessVerified, out).ok).toBe(true);
  });
});
