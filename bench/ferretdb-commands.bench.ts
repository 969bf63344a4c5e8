/**
 * FerretDB's CPU per command of the kinds the pipeline sends it at low rates (where every message is its own
 * batch), measured from the FerretDB process's own CPU time (/proc), so it holds on a loaded machine where
 * wall-clock rates do not. Each kind runs `--n` times, one command at a time, on a fresh database with the audit
 * store's real indexes (its mongoose schemas'). Needs the test-profile FerretDB of deploy/local/infra.sh.
 *   node -r @swc-node/register bench/ferretdb-commands.bench.ts [--n=400] [--name=ferretdb-commands]
 */
import { randomUUID } from 'node:crypto';
import { aDecidedEvent } from '@clearance/testing';
import mongoose from 'mongoose';
import { AuditEventSchema } from '../services/audit/src/store/events/audit-event.schema';
import { RequestRecordSchema } from '../services/audit/src/store/projection/request-record.schema';
import { recordOfDecision } from '../services/audit/src/store/projection/request.projection';
import { cpuMs, ensureInfra, infraPids, loadAverage, machine, writeResult } from './bench.support';

const N = Number(/--n=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 400);
const NAME = /--name=([\w.-]+)/.exec(process.argv.join(' '))?.[1] ?? 'ferretdb-commands';

async function main(): Promise<void> {
  const { mongoUri } = ensureInfra();
  const ferret = infraPids()['ferretdb'];
  if (!ferret) throw new Error('no FerretDB pid: start the test profile of deploy/local/infra.sh');
  const conn = await mongoose
    .createConnection(mongoUri.replace(/\/[^/]*$/, `/bench_cmd_${randomUUID().slice(0, 8)}`))
    .asPromise();
  const db = conn.db!;
  const events = conn.model('AuditEvent', AuditEventSchema).collection;
  const records = conn.model('RequestRecord', RequestRecordSchema).collection;
  const bare = db.collection('bare_records');
  // only the index FerretDB's queries read (the time range and page order): what the other eight cost on FerretDB
  const timeOnly = db.collection('time_only_records');
  await timeOnly.createIndex({ time: -1, _id: -1 }, { name: 'time' });
  const heads = db.collection<{ _id: string; seq: number; hash: string; updatedAt: Date }>('heads');
  await conn.model('AuditEvent').createIndexes();
  await conn.model('RequestRecord').createIndexes();
  await bare.insertOne({ _id: 'x' as never });
  await heads.insertOne({ _id: 'chain-0', seq: 0, hash: 'h', updatedAt: new Date() });

  const decided = () => {
    const e = aDecidedEvent();
    return { e, raw: JSON.stringify(e) };
  };
  let seq = 1;
  const kinds: [string, () => Promise<unknown>][] = [
    [
      'insert 1 audit event (4 indexes)',
      () => {
        const { e, raw } = decided();
        const s = seq++;
        return events.insertMany(
          [
            {
              _id: randomUUID() as never,
              chain: 'chain-0',
              seq: s,
              topic: 't',
              partition: 0,
              offset: String(s),
              requestId: e.requestId,
              eventType: 'x',
              producer: 'p',
              time: new Date(),
              storedAt: new Date(),
              raw,
              prevHash: 'a'.repeat(64),
              hash: 'b'.repeat(64),
            },
          ],
          { ordered: false },
        );
      },
    ],
    [
      'insert 1 request record (10 indexes)',
      () => records.insertMany([recordOfDecision(decided().e, new Date()) as never], { ordered: false }),
    ],
    [
      'insert 1 request record (only the time index)',
      () => timeOnly.insertMany([recordOfDecision(decided().e, new Date()) as never], { ordered: false }),
    ],
    [
      'insert 1 request record (no secondary index)',
      () => bare.insertMany([recordOfDecision(decided().e, new Date()) as never], { ordered: false }),
    ],
    ['findOne chain head by _id', () => heads.findOne({ _id: 'chain-0' })],
    [
      'advance chain head (updateOne by _id, upsert)',
      () =>
        heads.bulkWrite(
          [
            {
              updateOne: {
                filter: { _id: 'chain-0', seq: { $lt: seq } },
                update: { $set: { seq: seq++, hash: 'c'.repeat(64), updatedAt: new Date() } },
                upsert: true,
              },
            },
          ],
          { ordered: false },
        ),
    ],
    ['ping', () => db.command({ ping: 1 })],
  ];
  const rows: Record<string, unknown>[] = [];
  for (const [kind, run] of kinds) {
    for (let i = 0; i < 20; i++) await run(); // warm-up
    const load = loadAverage();
    const before = cpuMs(ferret);
    const started = Date.now();
    for (let i = 0; i < N; i++) await run();
    const row = {
      kind,
      n: N,
      ferretdbCpuUsPerCommand: Math.round(((cpuMs(ferret) - before) * 1000) / N),
      wallMsPerCommand: +((Date.now() - started) / N).toFixed(2),
      loadAverage1m: load,
    };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    rows.push(row);
  }
  await db.dropDatabase();
  await conn.close();
  writeResult(NAME, { machine: machine(), rows });
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
