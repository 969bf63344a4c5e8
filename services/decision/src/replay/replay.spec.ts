import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveEnvelope, type AccessDecidedV1, type AccessVerifiedV1 } from '@clearance/contracts';
import { BUILTIN_COUNTRY_GROUPS_PATH, DEFAULT_POLICY_PATH, loadPolicyFile } from '@clearance/policy';
import { anEnrichedEvent, ENRICHED_EVENT_DECIDE_AT } from '@clearance/policy/testing';
import { formatReport, Replayer } from './replay';
import { runReplay } from './replay.cli';
import { JsonlSource } from './replay.source';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** Recorded events: decided under the default policy at the factory's decision time. */
function recorded(): { verified: AccessVerifiedV1[]; decided: AccessDecidedV1[] } {
  const policy = loadPolicyFile(DEFAULT_POLICY_PATH).policy;
  const verified = [
    anEnrichedEvent(), // frontier allow (US)
    anEnrichedEvent((e) => void (e.geo.ip.country = 'CA')), // frontier deny GEO_NOT_DOMESTIC
    anEnrichedEvent((e) => ((e.request.resource.model = 'standard-1'), (e.geo.ip.country = 'IR'))),
    anEnrichedEvent((e) => void (e.request.resource.model = 'standard-1')),
  ].map((e, i) => ({ ...e, requestId: `req-${i}`, eventId: `00000000-0000-5000-8000-00000000000${i}` }));
  const now = new Date(ENRICHED_EVENT_DECIDE_AT);
  const decided = verified.map((v) => ({
    ...v,
    ...deriveEnvelope(v, 'decision', 'decidedAt', now),
    decision: policy.evaluate(v, { now: now.getTime() }),
  }));
  return { verified, decided };
}

function files(): { dir: string; policy: string; canadian: string } {
  const dir = mkdtempSync(join(tmpdir(), 'replay-'));
  copyFileSync(BUILTIN_COUNTRY_GROUPS_PATH, join(dir, 'groups.yaml'));
  const text = readFileSync(DEFAULT_POLICY_PATH, 'utf8').replace('builtin:country-groups', './groups.yaml');
  writeFileSync(join(dir, 'default.yaml'), text);
  writeFileSync(
    join(dir, 'canadian.yaml'),
    text.replace("version: '2026-12-01.1'", "version: 'ca'").replace('[US]', '[US, CA]'),
  );
  return { dir, policy: join(dir, 'default.yaml'), canadian: join(dir, 'canadian.yaml') };
}

describe(Replayer.name, () => {
  it('reports no change when the recorded decisions came from the same policy', () => {
    const sut = new Replayer(loadPolicyFile(DEFAULT_POLICY_PATH).policy);
    for (const e of recorded().decided) sut.add(e);

    expect(sut.report()).toMatchObject({ evaluated: 4, changed: 0, reasonChanged: 0, withoutBaseline: 0 });
  });

  it('counts changed outcomes by transition and by the new deciding reason', () => {
    const f = files();
    const sut = new Replayer(loadPolicyFile(f.canadian).policy, loadPolicyFile(f.policy).policy);
    for (const e of recorded().verified) sut.add(e);

    const report = sut.report();

    expect(report).toMatchObject({
      evaluated: 4,
      changed: 1,
      outcomes: { allow: 3, deny: 1, challenge: 0 },
      transitions: [{ from: 'deny', to: 'allow', count: 1, byReason: { ALLOW_APPROVED_DOMESTIC_ENTITY: 1 } }],
      examples: [
        { requestId: 'req-1', fromReason: 'GEO_NOT_DOMESTIC', toReason: 'ALLOW_APPROVED_DOMESTIC_ENTITY' },
      ],
    });
    expect(formatReport(report)).toContain('deny -> allow: 1');
  });
});

describe(runReplay.name, () => {
  it('replays a JSONL file against the recorded decisions, a decided event superseding its verified one', async () => {
    const f = files();
    const { verified, decided } = recorded();
    const input = join(f.dir, 'events.jsonl');
    writeFileSync(input, [...verified, ...decided].map((e) => JSON.stringify(e)).join('\n') + '\n');

    const report = await runReplay({ policy: f.canadian, source: new JsonlSource(input), progress: false });

    expect(report).toMatchObject({ against: 'recorded', evaluated: 4, changed: 1 });
  });

  it('runs as a command and prints the report', () => {
    const f = files();
    const input = join(f.dir, 'events.jsonl');
    // audit-store records, as the audit service keeps them
    writeFileSync(
      input,
      recorded()
        .decided.map((e) => JSON.stringify({ topic: 'access.decided.v1', raw: JSON.stringify(e) }))
        .join('\n'),
    );

    const run = spawnSync(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        'services/decision/src/replay/replay.cli.ts',
        '--policy',
        f.canadian,
        '--input',
        input,
        '--json',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ evaluated: 4, changed: 1, policy: { version: 'ca' } });
  });
});
