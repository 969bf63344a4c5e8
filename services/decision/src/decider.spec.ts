import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicEventId, validateEvent, Topics } from '@clearance/contracts';
import { BUILTIN_COUNTRY_GROUPS_PATH, DEFAULT_POLICY_PATH } from '@clearance/policy';
import { anEnrichedEvent, ENRICHED_EVENT_DECIDE_AT } from '@clearance/policy/testing';
import { Decider } from './decider';
import type { DecisionEnv } from './decision.env';
import { PolicyStore } from './policy/policy.store';

/** A copy of the default policy in a directory of its own, with its import pointed at the bundled groups. */
function policyDir(): { dir: string; path: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'decision-'));
  const path = join(dir, 'policy.yaml');
  copyFileSync(BUILTIN_COUNTRY_GROUPS_PATH, join(dir, 'country-groups.yaml'));
  const text = readFileSync(DEFAULT_POLICY_PATH, 'utf8').replace(
    'builtin:country-groups',
    './country-groups.yaml',
  );
  writeFileSync(path, text);
  return { dir, path, text };
}

describe(Decider.name, () => {
  const now = new Date(ENRICHED_EVENT_DECIDE_AT);
  let store: PolicyStore;

  const start = (env: Partial<DecisionEnv>): Decider => {
    store = new PolicyStore({ POLICY_WATCH_INTERVAL_MS: 50, ...env } as DecisionEnv);
    store.onModuleInit();
    return new Decider(store);
  };

  afterEach(() => store.onModuleDestroy());

  it('derives a valid access.decided.v1 with a deterministic id under the bundled default policy', () => {
    const sut = start({});
    const input = anEnrichedEvent();

    const out = sut.decide(input, now);

    expect(validateEvent(Topics.AccessDecided, out)).toMatchObject({ ok: true });
    expect(out).toMatchObject({
      eventId: deterministicEventId(input.eventId, 'decision'),
      causationId: input.eventId,
      producer: 'decision',
      timestamps: { ...input.timestamps, decidedAt: now.toISOString() },
      request: input.request,
      geo: input.geo,
      verification: input.verification,
    });
    expect(out.decision).toMatchObject({
      outcome: 'allow',
      policy: { id: 'default' },
      decidedAt: now.toISOString(),
    });
    expect(out.decision.shadow).toBeUndefined();
  });

  it('records the shadow policy beside the enforced outcome without enforcing it', () => {
    const shadow = policyDir();
    writeFileSync(
      shadow.path,
      shadow.text
        .replace("version: '2026-12-01.1'", "version: 'shadow-1'")
        .replace('domestic: [US]', 'domestic: [CA]'),
    );
    const sut = start({ SHADOW_POLICY_PATH: shadow.path });

    const out = sut.decide(anEnrichedEvent(), now);

    expect(out.decision.outcome).toBe('allow');
    expect(out.decision.shadow).toMatchObject({
      outcome: 'deny',
      reasons: [
        { code: 'GEO_NOT_DOMESTIC' },
        { code: 'GEO_CLAIMED_NOT_DOMESTIC' },
        { code: 'ENTITY_NOT_DOMESTIC' },
      ],
      policy: { id: 'default', version: 'shadow-1' },
      differs: true,
    });
    expect(validateEvent(Topics.AccessDecided, out)).toMatchObject({ ok: true });
  });

  it('keeps the old version when a new file is invalid, and takes the next valid one', () => {
    const p = policyDir();
    const sut = start({ POLICY_PATH: p.path });
    const v1 = store.active.current!.ref;

    writeFileSync(p.path, p.text.replace('reason: NET_TOR', 'reason: NET_ONION'));
    expect(store.active.reload()).toBe(false);
    expect(store.active.lastError).toMatch(/policy\.yaml:\d+:\d+: 'NET_ONION' is not allowed here/);
    expect(sut.decide(anEnrichedEvent(), now).decision.policy).toEqual(v1);

    writeFileSync(p.path, p.text.replace("version: '2026-12-01.1'", "version: '2026-12-02.1'"));
    expect(store.active.reload()).toBe(true);
    expect(sut.decide(anEnrichedEvent(), now).decision.policy).toMatchObject({ version: '2026-12-02.1' });
  });

  it('picks up a changed file by itself', async () => {
    const p = policyDir();
    const sut = start({ POLICY_PATH: p.path });

    const watched = p.text.replace("version: '2026-12-01.1'", "version: 'watched'");
    writeFileSync(p.path, watched);

    for (let i = 0; i < 800 && store.active.current!.ref.version !== 'watched'; i++) {
      await new Promise((r) => setTimeout(r, 25)); // poll: fs.watchFile reports asynchronously
      // the watcher's first stat is asynchronous too: a write that lands before it is its baseline, so touch
      // the file again (a comment) until a change is seen
      if (i % 20 === 19) writeFileSync(p.path, `${watched}\n# touch ${i}\n`);
    }
    expect(sut.decide(anEnrichedEvent(), now).decision.policy.version).toBe('watched');
  });

  it('reloads when an imported data file changes', () => {
    const p = policyDir();
    const sut = start({ POLICY_PATH: p.path });
    const groups = join(p.dir, 'country-groups.yaml');

    writeFileSync(groups, readFileSync(groups, 'utf8').replace('- code: KP', '- code: FR'));
    expect(store.active.reload()).toBe(true);

    const d = sut.decide(
      anEnrichedEvent((e) => ((e.request.resource.model = 'standard-1'), (e.geo.ip.country = 'FR'))),
      now,
    );
    expect(d.decision.reasons[0]!.code).toBe('GEO_EMBARGOED_COUNTRY');
  });

  it('denies everything with POLICY_UNAVAILABLE when no valid policy was ever loaded', () => {
    const p = policyDir();
    writeFileSync(p.path, 'apiVersion: [');
    const sut = start({ POLICY_PATH: p.path });

    const out = sut.decide(anEnrichedEvent(), now);

    expect(out.decision).toMatchObject({
      outcome: 'deny',
      reasons: [{ code: 'POLICY_UNAVAILABLE', message: expect.stringContaining('policy.yaml:1') }],
      policy: { id: 'none' },
      ttlSeconds: 0,
    });
    expect(validateEvent(Topics.AccessDecided, out)).toMatchObject({ ok: true });
  });
});
