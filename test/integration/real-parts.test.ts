import { randomUUID } from 'node:crypto';
import { TestKafka, uniqueTopicPrefix } from '@clearance/testing';
import { Topics } from '@clearance/contracts';
import mongoose, { Schema } from 'mongoose';

// Proof that the project's own infrastructure is real: kafkajs against the broker, mongoose against the database.
describe('real broker and database', () => {
  const kafka = new TestKafka();

  afterAll(async () => {
    await kafka.disconnect();
  });

  it('produces to and consumes from the Kafka broker', async () => {
    const prefix = uniqueTopicPrefix('infra');
    await kafka.createTopics(prefix, [Topics.AccessRequested]);
    const collector = await kafka.collector(prefix, Topics.AccessRequested);
    const values = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }) }));
    await kafka.produceRaw(prefix, Topics.AccessRequested, values);

    const got = await collector.waitForCount(50);

    expect(got.map((m) => (m.event as { i: number }).i).sort((a, b) => a - b)).toEqual(
      values.map((_, i) => i),
    );
    await collector.stop();
  });

  it('writes, reads and rejects a duplicate key (11000) in the database', async () => {
    const conn = await mongoose
      .createConnection(process.env.MONGODB_URI!, { dbName: `infra_${randomUUID().slice(0, 8)}` })
      .asPromise();
    try {
      const Thing = conn.model('Thing', new Schema({ key: { type: String, unique: true }, n: Number }));
      await Thing.createIndexes();
      await Thing.create({ key: 'a', n: 1 });

      const found = await Thing.findOne({ key: 'a' }).lean();
      let duplicate: unknown;
      try {
        await Thing.insertMany(
          [
            { key: 'b', n: 2 },
            { key: 'a', n: 3 },
          ],
          { ordered: false },
        );
      } catch (err) {
        duplicate = err;
      }

      expect(found?.n).toBe(1);
      expect(
        (duplicate as { code?: number; writeErrors?: { code: number }[] }).writeErrors?.[0]?.code ??
          (duplicate as { code?: number }).code,
      ).toBe(11000);
      expect(await Thing.countDocuments()).toBe(2);
      await conn.dropDatabase();
    } finally {
      await conn.close();
    }
  });
});
