import type { AccessDecidedV1, StageName } from '@clearance/contracts';
import { type Collector, pollUntil } from '@clearance/testing';
import { auditStoreCaughtUp } from './support/audit-store.probe';
import { sendWave } from './support/load.generator';
import { type Pipeline, PrivatePipeline } from './support/pipeline.harness';

/** How many decisions each accepted request got, as a read_committed consumer sees them. */
function decisionCounts(
  decided: Collector<AccessDecidedV1>,
  accepted: readonly string[],
): Map<string, number> {
  const counts = new Map<string, number>(accepted.map((id) => [id, 0]));
  for (const m of decided.messages) {
    const n = counts.get(m.event.requestId);
    if (n !== undefined) counts.set(m.event.requestId, n + 1);
  }
  return counts;
}

async function allDecided(
  decided: Collector<AccessDecidedV1>,
  accepted: readonly string[],
): Promise<Map<string, number>> {
  let counts = decisionCounts(decided, accepted);
  await pollUntil(
    () => {
      counts = decisionCounts(decided, accepted);
      return [...counts.values()].every((n) => n > 0);
    },
    {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: `a decision for every accepted request (${[...counts.values()].filter((n) => n === 0).length} missing)`,
    },
  );
  return counts;
}

// Crashes and restarts of every stage under load, over a broker and database of this file's own, with
// exactly-once processing on and a stable transactional id per stage (a restarted stage aborts what its killed
// predecessor left open): no accepted request is lost, none is decided twice as a read_committed consumer sees
// it, and the audit store holds each event once.
describe('pipeline under faults', () => {
  let fixture: PrivatePipeline;
  let pipeline: Pipeline;
  let decided: Collector<AccessDecidedV1>;
  let prefix: string;

  beforeAll(async () => {
    fixture = await PrivatePipeline.start('faults', { KAFKA_EXACTLY_ONCE: 'true' });
    ({ pipeline, decided, prefix } = fixture);
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('decides every accepted request exactly once when each stage in turn is SIGKILLed mid-load', async () => {
    const accepted: string[] = [];
    for (const name of ['ingest', 'geolocation', 'verification', 'decision', 'audit'] as StageName[]) {
      const mark = decided.messages.length;
      const wave = sendWave(pipeline, `kill-${name}`, { batches: 5, size: 50, pauseMs: 300 });
      // killed while its part of the load flows through it
      await pollUntil(() => decided.messages.length - mark >= 50, {
        what: `decisions before killing ${name}`,
      });
      await pipeline.get(name).kill();
      await pipeline.start(name);
      accepted.push(...(await wave).accepted);
    }

    // a batch call cut off by ingest's death loses its answer (not accepted), every other one is accepted
    expect(accepted.length).toBeGreaterThanOrEqual(1000);
    const counts = await allDecided(decided, accepted);
    expect([...counts].filter(([, n]) => n !== 1).slice(0, 5)).toEqual([]);

    const store = await auditStoreCaughtUp(pipeline.mongoUriOf('audit'), prefix, accepted);
    expect(store.duplicated).toEqual([]);
  }, 600_000);

  it.each<StageName>(['geolocation', 'verification', 'decision', 'audit', 'ingest'])(
    'SIGTERM drains %s: it exits 0 within 10 s and no accepted request is lost',
    async (name) => {
      const mark = decided.messages.length;
      const wave = sendWave(pipeline, `term-${name}`, { batches: 4, size: 50, pauseMs: 200 });
      // stopped while its part of the load flows through it (for ingest: while batches arrive)
      await pollUntil(() => decided.messages.length - mark >= 50, {
        what: `decisions before stopping ${name}`,
      });
      const started = Date.now();
      const svc = pipeline.get(name);
      const code = await svc.stop(20_000);
      const tookMs = Date.now() - started;
      // what it said last is what a slow drain is about (its slow-shutdown warning names what held it)
      if (tookMs >= 10_000)
        console.error(`${name} took ${tookMs} ms to stop:\n${svc.output.slice(-15).join('')}`);
      // NestJS re-raises the signal once its shutdown hooks ran: a drained exit is code 0 or "ended by SIGTERM"
      const exit = code ?? svc.child.signalCode;
      await pipeline.start(name);
      const { accepted } = await wave;

      expect({ exit, within10s: tookMs < 10_000 }).toEqual({
        exit: code === 0 ? 0 : 'SIGTERM',
        within10s: true,
      });
      // 202 only after the broker acknowledged: whatever was accepted gets decided and audited
      expect(accepted.length).toBeGreaterThan(0);
      const counts = await allDecided(decided, accepted);
      expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
      const store = await auditStoreCaughtUp(pipeline.mongoUriOf('audit'), prefix, accepted);
      expect(store.duplicated).toEqual([]);
    },
    400_000,
  );
});
