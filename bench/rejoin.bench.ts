/**
 * How long a SIGKILLed stage takes to consume again when it is restarted at once (issue 18, item 3): a
 * pass-through stage under a steady 400 events/s, SIGKILLed and started again; the gap is the time from the kill
 * to the first output of the new process. Per session timeout:
 *   node -r @swc-node/register bench/rejoin.bench.ts [--session-timeouts=6000,10000,30000]
 * Writes bench/results/rejoin.json.
 */
import { Topics } from '@clearance/contracts';
import { encodeEvent } from '@clearance/kafka';
import { aRequestedEvent, spawnService, TestKafka, uniqueTopicPrefix } from '@clearance/testing';
import { ensureInfra, loadAverage, writeResult } from './bench.support';

const arg = (name: string, fallback: string) =>
  new RegExp(`--${name}=([^\\s]+)`).exec(process.argv.join(' '))?.[1] ?? fallback;
const TIMEOUTS = arg('session-timeouts', '6000,10000,30000').split(',').map(Number);

async function once(kafka: TestKafka, sessionTimeoutMs: number) {
  const prefix = uniqueTopicPrefix('bench-rejoin');
  await kafka.createTopics(prefix, [Topics.AccessRequested, Topics.AccessGeolocated, Topics.DeadLetter]);
  const out = await kafka.collector(prefix, Topics.AccessGeolocated);
  const env = {
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
    KAFKA_GROUP_ID: `${prefix}stage`,
    LOG_LEVEL: 'warn',
  };
  const start = async () => {
    const svc = await spawnService('geolocation', {
      entry: 'libs/testing/src/passthrough/passthrough.main.ts',
      env,
    });
    await svc.waitReady(300_000);
    return svc;
  };
  const first = await start();
  let producing = true;
  const load = (async () => {
    while (producing) {
      const batch = Array.from({ length: 20 }, () => encodeEvent(Topics.AccessRequested, aRequestedEvent()));
      await kafka.produceRaw(prefix, Topics.AccessRequested, batch);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await out.waitFor((m) => m.length > 1000, 120_000, 'output flowing');
  const killedAt = Date.now();
  await first.kill();
  const second = await start();
  const readyAfterMs = Date.now() - killedAt;
  const resumed = await out.waitFor(
    (m) => m.some((x) => Date.parse(x.headers.ce_time!) > killedAt),
    300_000,
    'output after the kill',
  );
  const firstAfter = Math.min(
    ...resumed.map((x) => Date.parse(x.headers.ce_time!)).filter((t) => t > killedAt),
  );
  producing = false;
  await load;
  await second.stop();
  await out.stop();
  return {
    sessionTimeoutMs,
    restartedReadyAfterMs: readyAfterMs,
    consumingAgainAfterMs: firstAfter - killedAt,
    loadAverage1m: loadAverage(),
  };
}

async function main(): Promise<void> {
  const { brokers } = ensureInfra();
  const kafka = new TestKafka(brokers);
  const runs = [];
  for (const t of TIMEOUTS) {
    const r = await once(kafka, t);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    runs.push(r);
  }
  await kafka.disconnect();
  writeResult('rejoin', { runs });
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
