import { NameScreener } from './name.screener';
import { defaultSources } from './sanctions-lists.loader';
import { buildLists, buildListsInWorker } from './sanctions-lists.worker';

// Real: the shipped lists, a real worker thread and structured cloning of the index.
describe(buildListsInWorker.name, () => {
  it('builds an index that screens exactly like one built on this thread', async () => {
    const [here, inWorker] = await Promise.all([
      buildLists(defaultSources()),
      buildListsInWorker(defaultSources()),
    ]);
    const expected = new NameScreener(here, 100, 36500);
    const sut = new NameScreener(inWorker, 100, 36500);

    expect(sut.versions).toEqual(expected.versions);
    expect(sut.indexedNames).toBe(expected.indexedNames);
    for (const name of [
      'Banco Nacional de Cuba',
      'BNC',
      'Sergei Shoigu',
      'Mohamed Atta',
      'Jane Example',
      'rosneft oil copmany',
      'al qaida',
    ])
      expect(sut.screenUncached(name)).toEqual(expected.screenUncached(name));
  }, 120_000);

  it('fails with the reason when a list cannot be read', async () => {
    await expect(
      buildListsInWorker({ ...defaultSources(), sdnPath: '/nonexistent/sdn.csv' }),
    ).rejects.toThrow(/sanctions lists not built: .*ENOENT/);
  }, 120_000);
});
