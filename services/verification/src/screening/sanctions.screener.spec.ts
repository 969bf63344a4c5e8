import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VerificationEnv } from '../verification.env';
import { SanctionsScreener } from './sanctions.screener';

const row = (id: number, name: string): string =>
  `${id},"${name}","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n`;

describe(SanctionsScreener.name, () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sdn-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads an operator-provided list and swaps in a new version when the file changes', async () => {
    const sdn = join(dir, 'sdn.csv');
    await writeFile(sdn, row(1, 'DOE, John Quincy'));
    const env = Object.assign(new VerificationEnv(), {
      SANCTIONS_SDN_PATH: sdn,
      SANCTIONS_CSL_PATH: 'none',
      SANCTIONS_SDN_DATE: '2026-11-01',
      SANCTIONS_RELOAD_INTERVAL_MS: 0,
    });
    const sut = new SanctionsScreener(env);
    await sut.onModuleInit();
    const first = sut.versions;
    expect(first).toEqual([
      {
        name: 'ofac-sdn',
        date: '2026-11-01',
        version: expect.stringMatching(/^2026-11-01;sha256:[0-9a-f]{64}$/),
      },
    ]);
    expect(sut.screen('Richard Roe').status).toBe('clear');

    await writeFile(sdn, row(1, 'DOE, John Quincy') + row(2, 'ROE, Richard'));
    const later = new Date(Date.now() + 5_000);
    await utimes(sdn, later, later);
    await sut.reloadIfChanged();

    expect(sut.versions[0]!.version).not.toBe(first[0]!.version);
    expect(sut.screen('Richard Roe')).toMatchObject({ status: 'match', matches: [{ entryId: '2' }] });
  });

  it('calls a list stale once it is older than SANCTIONS_MAX_AGE_DAYS', async () => {
    const sdn = join(dir, 'sdn.csv');
    await writeFile(sdn, row(1, 'DOE, John Quincy'));
    const env = Object.assign(new VerificationEnv(), {
      SANCTIONS_SDN_PATH: sdn,
      SANCTIONS_CSL_PATH: 'none',
      SANCTIONS_SDN_DATE: '2026-11-01',
      SANCTIONS_MAX_AGE_DAYS: 30,
      SANCTIONS_RELOAD_INTERVAL_MS: 0,
    });
    const sut = new SanctionsScreener(env);
    await sut.onModuleInit();
    expect(sut.staleLists(new Date('2026-12-01T00:00:00Z'))).toEqual([]);
    expect(sut.staleLists(new Date('2026-12-02T00:00:01Z'))).toEqual([
      { name: 'ofac-sdn', date: '2026-11-01', ageDays: 31 },
    ]);
  });

  it('keeps the loaded lists when a reload fails', async () => {
    const sdn = join(dir, 'sdn.csv');
    await writeFile(sdn, row(1, 'DOE, John Quincy'));
    const env = Object.assign(new VerificationEnv(), {
      SANCTIONS_SDN_PATH: sdn,
      SANCTIONS_CSL_PATH: 'none',
      SANCTIONS_RELOAD_INTERVAL_MS: 0,
    });
    const sut = new SanctionsScreener(env);
    await sut.onModuleInit();
    await rm(sdn);
    await sut.reloadIfChanged();
    expect(sut.screen('John Quincy Doe').status).toBe('match');
  });
});
