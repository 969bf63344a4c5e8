/**
 * The Kafka plumbing's own cost: a pass-through stage built on @clearance/kafka (consume → validate → produce)
 * next to raw kafkajs (sendBatch + eachBatch) doing the same hop, same broker, same run; plus exactly-once mode.
 *   node -r @swc-node/register bench/backbone.bench.ts [messages]
 */
import { TestKafka, uniqueTopicPrefix } from '@clearance/testing';
import { ensureInfra, writeResult } from './bench.support';
import { libStage, measure, RATE, rawStage } from './hop.support';

const N = Number(process.argv[2] ?? 50_000);

async function main(): Promise<void> {
  const { brokers } = ensureInfra();
  const kafka = new TestKafka(brokers);
  const raw = await measure(kafka, uniqueTopicPrefix('bench-raw'), N, (prefix) => rawStage(brokers, prefix));
  process.stdout.write(`raw kafkajs:        ${JSON.stringify(raw)}\n`);
  const lib = await measure(kafka, uniqueTopicPrefix('bench-lib'), N, (prefix) => libStage(prefix, false));
  process.stdout.write(`@clearance/kafka:   ${JSON.stringify(lib)}\n`);
  const eos = await measure(kafka, uniqueTopicPrefix('bench-eos'), N, (prefix) => libStage(prefix, true));
  process.stdout.write(`exactly-once mode:  ${JSON.stringify(eos)}\n`);
  await kafka.disconnect();
  const result = {
    messages: N,
    latencyRunRate: RATE,
    raw,
    lib,
    exactlyOnce: eos,
    libVsRaw: +(lib.throughputPerSec / raw.throughputPerSec).toFixed(2),
    exactlyOnceVsLib: +(eos.throughputPerSec / lib.throughputPerSec).toFixed(2),
  };
  writeResult('backbone', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(1);
  },
);
