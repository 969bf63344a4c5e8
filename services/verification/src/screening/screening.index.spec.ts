import { PackedGroups, PackedLists } from './screening.index';

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
