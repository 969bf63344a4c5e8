import { type AccessDecidedV1 } from '@clearance/contracts';
import { type Collector, pollUntil, type PrivateInfra, whereTheyStopped } from '@clearance/testing';
import { auditStoreCaughtUp } from './support/audit-store.probe';
import { loadRequest, sendWave } from './support/load.generator';
import { type Pipeline, PrivatePipeline } from './support/pipeline.harness';

// Outages of the broker and the database under load. Slow (a broker restart, a 30 s database outage), so not in
// `npm test`: run with
//   npx jest --selectProjects integration --testMatch '<rootDir>/test/e2e/*.slow.e2e.ts'
describe('pipeline through outages', () => {
  let fixture: PrivatePipeline;
  let infra: PrivateInfra;
  let pipeline: Pipeline;
  let decided: Collector<AccessDecidedV1>;
  let prefix: string;

  beforeAll(async () => {
    fixture = await PrivatePipeline.start('outage');
    ({ infra, pipeline, decided, prefix } = fixture);
    // a private broker and database, then five services: at load 30 more than jest's 180 s default
  }, 600_000);

  afterAll(async () => {
    await fixture?.stop();
  });

  const undecided = (accepted: readonly string[]): string[] => {
    const seen = new Set(decided.messages.map((m) => m.event.requestId));
    return accepted.filter((id) => !seen.has(id));
  };

  it('answers 503, never 202, while the broker is down, and decides every accepted request once it is back', async () => {
    const before = await sendWave(pipeline, 'pre-outage', { batches: 3, size: 100 });
    await infra.stopKafka();

    // with the broker gone, a single request must not be acknowledged
    const during: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await pipeline.ingest('/v1/access-requests', loadRequest('outage'));
      during.push(res.status);
      if (res.status === 503) expect(res.headers.get('retry-after')).toBe('5');
      await res.arrayBuffer();
    }
    const duringBatch = await sendWave(pipeline, 'outage', { batches: 2, size: 50 });

    await infra.startKafka();
    await pipeline.get('ingest').waitReady(120_000);
    const after = await sendWave(pipeline, 'post-outage', { batches: 3, size: 100 });

    expect(during).toEqual([503, 503, 503, 503, 503]);
    expect({ statuses: duringBatch.statuses, accepted: duringBatch.accepted }).toEqual({
      statuses: [503, 503],
      accepted: [],
    });
    const accepted = [...before.accepted, ...after.accepted];
    expect(accepted).toHaveLength(600);
    await pollUntil(() => undecided(accepted).length === 0, {
      timeoutMs: 180_000,
      intervalMs: 500,
      what: `every accepted request decided after the broker restart (${undecided(accepted).length} missing)`,
    });
  }, 600_000);

  it('catches up in the audit store after the database was down for 30 s', async () => {
    // small: on FerretDB the audit store updates a record by scanning the collection (docs/testing.md)
    const wave = sendWave(pipeline, 'db-outage', { batches: 20, size: 20, pauseMs: 250 });
    await pollUntil(() => decided.messages.length > 0, { what: 'load flowing' });
    await infra.stopMongo();
    await new Promise((r) => setTimeout(r, 30_000)); // the outage itself is the point: 30 s, as the issue says
    await infra.startMongo();
    const { accepted } = await wave;

    expect(accepted).toHaveLength(400);
    await pollUntil(() => undecided(accepted).length === 0, {
      timeoutMs: 180_000,
      intervalMs: 500,
      what: `every request decided (${undecided(accepted).length} missing)`,
    });
    const store = await auditStoreCaughtUp(pipeline.mongoUriOf('audit'), prefix, accepted, 180_000);
    expect(store.duplicated).toEqual([]);
  }, 600_000);
});

// Issue 18: in exactly-once mode a broker outage used to leave a stage's transactional producer wedged (a failed
// abort), retrying for ever while /health/ready said 200. Now the producer is rebuilt and a stage that makes no
// progress reports not-ready; no service is restarted here. Every accepted request is decided within 30 s of the
// broker's return (the goal), and every stage is ready again.
describe('exactly-once pipeline through broker outages', () => {
  let fixture: PrivatePipeline;

  beforeAll(async () => {
    fixture = await PrivatePipeline.start('eos-outage', { KAFKA_EXACTLY_ONCE: 'true' });
  }, 600_000);

  afterAll(async () => {
    await fixture?.stop();
  });

  it.each([5_000, 30_000])(
    'decides every accepted request exactly once after a %i ms broker stop under load, with no restart',
    async (outageMs) => {
      const { infra, pipeline, decided } = fixture;
      const stages = ['ingest', 'geolocation', 'verification', 'decision', 'audit'] as const;
      const pids = stages.map((s) => pipeline.get(s).child.pid);
      const from = decided.messages.length;
      const wave = sendWave(pipeline, `eos-${outageMs}`, { batches: 40, size: 10, pauseMs: 250 });
      // once (load 11-26) no decision of the wave arrived within 30 s: say whether the reader or the pipeline stood
      await pollUntil(() => decided.messages.length > from, {
        timeoutMs: 60_000,
        what: 'load flowing',
      }).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; ${decided.describe()}`);
      });
      await infra.stopKafka();
      await new Promise((r) => setTimeout(r, outageMs)); // the outage itself is the point
      await infra.startKafka();
      const backAt = Date.now();
      const { accepted } = await wave;

      const missing = () => {
        const seen = new Set(decided.messages.map((m) => m.event.requestId));
        return accepted.filter((id) => !seen.has(id));
      };
      // the goal: every accepted request decided within 30 s of the broker's return. Measured 7–11 s at load
      // 12–15 (docs/testing.md), so a loaded machine still leaves a wide margin; the poll runs longer than 30 s so
      // that a miss reports how long it took
      await pollUntil(() => missing().length === 0, {
        timeoutMs: 240_000,
        intervalMs: 250,
        what: `every accepted request decided after the broker's return (${missing().length} missing)`,
      }).catch(async (err: unknown) => {
        const ids = missing();
        throw new Error(
          `${(err as Error).message}; ${decided.describe()}; of the ${ids.length} missing, fresh readers find ${await whereTheyStopped(fixture.kafka, fixture.prefix, ids)}`,
        );
      });
      const tookMs = Date.now() - backAt;
      process.stdout.write(
        `outage ${outageMs} ms: ${accepted.length} accepted, all decided ${tookMs} ms after the broker's return (at ${new Date(backAt).toISOString()})\n`,
      );
      expect(tookMs).toBeLessThanOrEqual(30_000);
      const counts = new Map<string, number>();
      for (const m of decided.messages.slice(from))
        counts.set(m.event.requestId, (counts.get(m.event.requestId) ?? 0) + 1);
      expect(accepted.length).toBeGreaterThan(0);
      expect(accepted.filter((id) => counts.get(id) !== 1)).toEqual([]);
      expect(stages.map((s) => pipeline.get(s).child.pid)).toEqual(pids);
      for (const s of stages) await pipeline.get(s).waitReady(30_000);
    },
    600_000,
  );
});
