import type { ListedName } from './sanctions.parser';
import { PackedGroups, PackedLists, ScreeningIndex } from './screening.index';

describe(PackedGroups.name, () => {
  it('gives every key its ids in the order they were added, and none for an unknown key', () => {
    const sut = PackedGroups.from(
      new Map([
        ['abc', [7, 3, 9]],
        ['x', [0]],
        ['empty', []],
      ]),
    );

    expect([...sut.get('abc')]).toEqual([7, 3, 9]);
    expect([...sut.get('x')]).toEqual([0]);
    expect([...sut.get('empty')]).toEqual([]);
    expect(sut.has('empty')).toBe(true);
    expect([...sut.get('unknown')]).toEqual([]);
    expect(sut.has('unknown')).toBe(false);
  });
});

describe(PackedLists.name, () => {
  it('gives each list its ids, empty lists included', () => {
    const sut = PackedLists.from([[1, 2], [], [5]]);

    expect(sut.length).toBe(3);
    expect([...sut.get(0)]).toEqual([1, 2]);
    expect([...sut.get(1)]).toEqual([]);
    expect([...sut.get(2)]).toEqual([5]);
  });
});

describe(ScreeningIndex.name, () => {
  const listed = (entryId: string, name: string): ListedName => ({
    entry: { list: 'ofac-sdn', entryId, primaryName: name, programs: ['CUBA'], countries: ['CU'] },
    name,
    alias: false,
  });

  it('revives every field of an index that went through structured cloning (a worker message)', () => {
    const built = new ScreeningIndex([
      listed('1', 'Banco Nacional de Cuba'),
      listed('2', 'Sergei Shoigu'),
      listed('3', 'Rosneft Oil Company'),
    ]);

    const sut = ScreeningIndex.revive(structuredClone(built));

    // a field added to the class but not to revive() would be missing or lose its prototype here
    const shape = (index: ScreeningIndex) =>
      Object.entries(index).map(([key, value]) => [key, (value as object).constructor.name]);
    expect(shape(sut)).toEqual(shape(built));
    expect(sut.search('banco nacional de cuba', 0.8, 5)).toEqual(
      built.search('banco nacional de cuba', 0.8, 5),
    );
    expect(built.search('sergey shoygu', 0.8, 5)).not.toEqual([]);
    expect(sut.search('sergey shoygu', 0.8, 5)).toEqual(built.search('sergey shoygu', 0.8, 5));
  });
});
