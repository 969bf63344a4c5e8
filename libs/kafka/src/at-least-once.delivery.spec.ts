import type { TopicMessages } from 'kafkajs';
import { AtLeastOnceDelivery } from './at-least-once.delivery';
import type { PartitionOffset } from './offset.committer';

describe(AtLeastOnceDelivery.name, () => {
  const output: TopicMessages[] = [{ topic: 'access.geolocated.v1', messages: [{ key: 'r1', value: '{}' }] }];

  function setup(commitIntervalMs: number, fail: { send?: Error; commit?: Error } = {}) {
    const calls: string[] = [];
    const commits: PartitionOffset[][] = [];
    const producer = {
      send: jest.fn(async (messages: TopicMessages[]) => {
        calls.push(`send ${messages.map((m) => m.topic).join(',')}`);
        if (fail.send) throw fail.send;
      }),
    };
    const commitOffsets = jest.fn(async (offsets: PartitionOffset[]) => {
      calls.push(`commit ${offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).join(',')}`);
      if (fail.commit) throw fail.commit;
      commits.push(offsets);
    });
    const sut = new AtLeastOnceDelivery(producer, commitOffsets, commitIntervalMs);
    return { sut, calls, commits, producer, commitOffsets };
  }

  describe('committing each chunk (commitIntervalMs 0)', () => {
    it('commits the input offset only after the output was acknowledged', async () => {
      const { sut, calls } = setup(0);
      await sut.deliver(output, { topic: 'access.requested.v1', partition: 2, offset: '11' });
      expect(calls).toEqual(['send access.geolocated.v1', 'commit access.requested.v1/2@11']);
    });

    it('commits without producing when the chunk had no output', async () => {
      const { sut, calls, producer } = setup(0);
      await sut.deliver([], { topic: 'access.requested.v1', partition: 0, offset: '5' });
      expect(producer.send).not.toHaveBeenCalled();
      expect(calls).toEqual(['commit access.requested.v1/0@5']);
    });

    it('commits nothing when the output was not acknowledged, and fails the attempt', async () => {
      const { sut, commitOffsets } = setup(0, { send: new Error('broker gone') });
      await expect(
        sut.deliver(output, { topic: 'access.requested.v1', partition: 0, offset: '5' }),
      ).rejects.toThrow('broker gone');
      expect(commitOffsets).not.toHaveBeenCalled();
    });

    it('fails the attempt when the commit fails', async () => {
      const { sut } = setup(0, { commit: new Error('coordinator moved') });
      await expect(
        sut.deliver(output, { topic: 'access.requested.v1', partition: 0, offset: '5' }),
      ).rejects.toThrow('coordinator moved');
    });
  });

  describe('committing in the background (commitIntervalMs > 0)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('resolves once the output is acknowledged and commits the newest offset per partition later', async () => {
      const { sut, commits } = setup(100);
      await sut.deliver(output, { topic: 'access.requested.v1', partition: 0, offset: '5' });
      await sut.deliver(output, { topic: 'access.requested.v1', partition: 0, offset: '9' });
      expect(commits).toEqual([]);
      await jest.advanceTimersByTimeAsync(100);
      expect(commits).toEqual([[{ topic: 'access.requested.v1', partition: 0, offset: '9' }]]);
    });

    it('notes nothing for a chunk whose output was not acknowledged', async () => {
      const { sut, commitOffsets } = setup(100, { send: new Error('broker gone') });
      await expect(
        sut.deliver(output, { topic: 'access.requested.v1', partition: 0, offset: '5' }),
      ).rejects.toThrow('broker gone');
      await sut.flush();
      expect(commitOffsets).not.toHaveBeenCalled();
    });

    it('flush commits what is pending at once (the drain)', async () => {
      const { sut, commits } = setup(100);
      await sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '3' });
      await sut.flush();
      expect(commits).toEqual([[{ topic: 'access.requested.v1', partition: 1, offset: '3' }]]);
    });

    it('commits what is pending when a rebalance starts', async () => {
      const { sut, commits } = setup(100);
      await sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '3' });
      sut.rebalancing();
      await jest.advanceTimersByTimeAsync(0);
      expect(commits).toEqual([[{ topic: 'access.requested.v1', partition: 1, offset: '3' }]]);
    });

    it('forgets what is pending once the group is joined again (the partitions may be someone else’s)', async () => {
      const { sut, commitOffsets } = setup(100);
      await sut.deliver(output, { topic: 'access.requested.v1', partition: 1, offset: '3' });
      sut.groupJoined();
      await jest.advanceTimersByTimeAsync(500);
      await sut.flush();
      expect(commitOffsets).not.toHaveBeenCalled();
    });
  });
});
