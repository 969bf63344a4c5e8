/**
 * The filter pushdown patch of our FerretDB build (deploy/local/ferretdb/sqlite-filter-pushdown.patch), over 50,000
 * events spread over 30 days: a request's timeline lookup (`find({requestId}).sort({time: 1})`) without and with
 * the hint naming the `{requestId: 1, time: 1}` index; an aggregation whose leading $match bounds `time` to the
 * last day, beside the same aggregation over every document; and the hint's documented limit (an array-valued
 * field is not found through it).
 *   node -r @swc-node/register bench/ferretdb-hint.bench.ts [mongodb://127.0.0.1:27018/hintprobe]
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import mongoose from 'mongoose';

const DOCS = 50_000;
const QUERIES = 20;

async function main(): Promise<void> {
  const uri = process.argv[2] ?? 'mongodb://127.0.0.1:27018/hintprobe';
  const conn = await mongoose.createConnection(uri).asPromise();
  const c = conn.db!.collection<{ _id: string; requestId: string | string[]; time: Date; raw?: string }>(
    'hint_probe',
  );
  await c.drop().catch(() => undefined);
  await c.createIndex({ requestId: 1, time: 1 }, { name: 'request_time' });
  await c.createIndex({ time: -1, _id: -1 }, { name: 'time' });
  for (let i = 0; i < DOCS; i += 5000)
    await c.insertMany(
      Array.from({ length: 5000 }, (_, j) => ({
        _id: randomUUID(),
        requestId: `r-${(i + j) % 10_000}`,
        time: new Date(Date.now() - ((i + j) % 30) * 86_400_000 - j),
        raw: 'x'.repeat(500),
      })),
    );
  const load = loadavg()[0]!.toFixed(1);
  for (const hint of [false, true]) {
    const t0 = performance.now();
    let found = 0;
    for (let k = 0; k < QUERIES; k++) {
      const cursor = c.find({ requestId: `r-${k * 7}` }).sort({ time: 1 });
      if (hint) cursor.hint({ requestId: 1, time: 1 });
      found += (await cursor.toArray()).length;
    }
    const ms = (performance.now() - t0) / QUERIES;
    console.log(JSON.stringify({ docs: DOCS, hint, found, msPerLookup: Number(ms.toFixed(1)), load }));
  }
  for (const [what, match] of [
    ['all documents', {}],
    ['time in the last day', { time: { $gte: new Date(Date.now() - 86_400_000) } }],
  ] as const) {
    const t0 = performance.now();
    const groups = await c
      .aggregate([{ $match: match }, { $group: { _id: '$requestId', n: { $sum: 1 } } }])
      .toArray();
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ aggregate: what, groups: groups.length, ms: Number(ms.toFixed(1)) }));
  }
  await c.insertOne({ _id: 'array', requestId: ['r-x', 'r-y'], time: new Date() });
  const scanned = await c.countDocuments({ requestId: 'r-x' });
  const hinted = (await c.find({ requestId: 'r-x' }).hint({ requestId: 1, time: 1 }).toArray()).length;
  console.log(JSON.stringify({ arrayValueFound: { withoutHint: scanned, withHint: hinted } }));
  await c.drop();
  await conn.close();
}

void main();
