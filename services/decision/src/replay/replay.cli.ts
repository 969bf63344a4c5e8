/**
 * Replays recorded events through a policy and reports which outcomes would change, by reason.
 *
 *   node -r @swc-node/register services/decision/src/replay/replay.cli.ts --policy a.yaml [--against b.yaml]
 *        (--input events.jsonl | --mongo [--collection audit_events]) [--json] [--progress | --no-progress]
 *
 * Without --against the baseline is the decision each access.decided.v1 event recorded. Input lines are
 * access.verified.v1 / access.decided.v1 events or audit-store records ({ raw: "<event json>" }).
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { loadPolicyFile, PolicyLoadError } from '@clearance/policy';
import { formatReport, Replayer, type ReplayReport } from './replay';
import { asReplayEvent, AuditStoreSource, JsonlSource, type ReplaySource } from './replay.source';

export interface ReplayOptions {
  policy: string;
  against?: string;
  source: ReplaySource;
  /** Show a progress bar on stderr (default: when stderr is a terminal and there are over 10,000 records). */
  progress?: boolean;
}

/** Runs a replay; shared by the CLI and its test. */
export async function runReplay(options: ReplayOptions): Promise<ReplayReport> {
  const policy = loadPolicyFile(options.policy).policy;
  const against = options.against ? loadPolicyFile(options.against).policy : undefined;
  const replayer = new Replayer(policy, against);
  const { source } = options;

  // Pass 1: which requests have a decided event (it supersedes their verified event), and how many records.
  const decided = new Set<string>();
  let total = 0;
  for await (const record of source.records()) {
    total++;
    const e = asReplayEvent(record);
    if (e && 'decision' in e) decided.add(e.requestId);
  }

  const showBar = options.progress ?? (Boolean(process.stderr.isTTY) && total > 10_000);
  const bar = showBar
    ? new SingleBar(
        {
          format: 'replay [{bar}] {percentage}% | {value}/{total} events | eta {eta}s',
          stream: process.stderr,
          noTTYOutput: options.progress === true,
          notTTYSchedule: 1000,
        },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0);
  let n = 0;
  for await (const record of source.records()) {
    const e = asReplayEvent(record);
    if (e && ('decision' in e || !decided.has(e.requestId))) replayer.add(e);
    if (++n % 1000 === 0) bar?.update(n);
  }
  bar?.update(n);
  bar?.stop();
  return replayer.report();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      policy: { type: 'string' },
      against: { type: 'string' },
      input: { type: 'string' },
      mongo: { type: 'boolean', default: false },
      collection: { type: 'string', default: 'audit_events' },
      json: { type: 'boolean', default: false },
      progress: { type: 'boolean' },
      'no-progress': { type: 'boolean' },
    },
  });
  if (!values.policy || (!values.input && !values.mongo)) {
    process.stderr.write(
      'usage: replay.cli.ts --policy a.yaml [--against b.yaml] (--input events.jsonl | --mongo) [--json]\n',
    );
    process.exit(2);
  }
  let source: ReplaySource;
  if (values.input) source = new JsonlSource(values.input);
  else {
    const uri = process.env.MONGODB_URI;
    if (!uri) throw new Error('--mongo needs MONGODB_URI');
    source = new AuditStoreSource(uri, values.collection);
  }
  try {
    const report = await runReplay({
      policy: values.policy,
      against: values.against,
      source,
      progress: values['no-progress'] ? false : values.progress,
    });
    process.stdout.write((values.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
  } finally {
    await source.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `replay failed: ${err instanceof PolicyLoadError ? err.message : ((err as Error).stack ?? String(err))}\n`,
    );
    process.exit(1);
  });
}
