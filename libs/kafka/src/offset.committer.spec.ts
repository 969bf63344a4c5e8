import { OffsetCommitter, type PartitionOffset } from './offset.committer';

describe('OffsetCommitter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function committer(fail: () => boolean = () => false) {
    const commits: PartitionOffset[][] = [];
    const errors: unknown[] = [];
    const c = new OffsetCommitter(
      async (offsets) => {
        if (fail()) throw new Error('coordinator moved');
        commits.push(offsets);
      },
      100,
      (err) => errors.push(err),
    );
    return { c, commits, errors };
  }

  it('commits many chunks of a partition as one commit of the newest offset, after the interval', async () => {
    const { c, commits } = committer();
    c.note('t', 0, '5');
    c.note('t', 0, '9');
    c.note('t', 1, '3');
    expect(commits).toEqual([]);
    await jest.advanceTimersByTimeAsync(100);
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '9' },
        { topic: 't', partition: 1, offset: '3' },
      ],
    ]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(commits).toHaveLength(1);
  });

  it('flushes what is pending at once, and nothing when nothing is', async () => {
    const { c, commits } = committer();
    await c.flush();
    c.note('t', 2, '7');
    await c.flush();
    expect(commits).toEqual([[{ topic: 't', partition: 2, offset: '7' }]]);
    expect(c.size).toBe(0);
  });

  it('keeps the offsets of a failed commit for the next one, unless a newer one was noted', async () => {
    let failing = true;
    const { c, commits, errors } = committer(() => failing);
    c.note('t', 0, '4');
    c.note('t', 1, '8');
    await c.flush();
    expect(errors).toHaveLength(1);
    expect(c.size).toBe(2);
    c.note('t', 0, '6');
    failing = false;
    await jest.advanceTimersByTimeAsync(100);
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '6' },
        { topic: 't', partition: 1, offset: '8' },
      ],
    ]);
  });

  it('forgets pending offsets when its partitions are taken away', async () => {
    const { c, commits } = committer();
    c.note('t', 0, '4');
    c.clear();
    await jest.advanceTimersByTimeAsync(500);
    await c.flush();
    expect(commits).toEqual([]);
  });
});
