import { compilePolicy } from './policy.compiler';
import { loadPolicyFile } from './policy.loader';
import { anEnrichedEvent, ENRICHED_EVENT_DECIDE_AT } from './testing/enriched-event.factory';
import { PolicyLoadError, type PolicyIssue } from './policy.types';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VALID = `apiVersion: clearance.policy/v1
id: tiny
version: '1'
groups:
  domestic: [US, CA]
models:
  - { match: 'frontier-*', tier: frontier }
rules:
  - id: tor
    when: { fact: tor, equals: true }
    outcome: deny
    reason: NET_TOR
    message: Tor.
tiers:
  frontier:
    rules:
      - id: mismatch
        when: { fact: claimedCountry, notEqualsFact: observedCountry }
        outcome: challenge
        reason: GEO_CLAIMED_COUNTRY_MISMATCH
        message: Mismatch.
        obligations: ['step-up:identity']
      - id: foreign
        when: { fact: observedCountry, notIn: group:domestic }
        outcome: deny
        reason: GEO_NOT_DOMESTIC
        message: Foreign.
      - id: allow
        when: { fact: observedCountry, in: [group:domestic, MX] }
        outcome: allow
        reason: ALLOW_STANDARD
        message: Fine.
default:
  reason: DEFAULT_DENY
  message: Nothing matched.
`;

function compile(text: string) {
  return compilePolicy({ file: 'p.yaml', bytes: Buffer.from(text) });
}

function issuesOf(text: string): PolicyIssue[] {
  try {
    compile(text);
  } catch (err) {
    if (err instanceof PolicyLoadError) return err.issues;
    throw err;
  }
  throw new Error('policy was accepted');
}

const lineOf = (text: string, needle: string): number =>
  text.split('\n').findIndex((l) => l.includes(needle)) + 1;
const at = (needle: string, replacement: string): string => {
  if (!VALID.includes(needle)) throw new Error(`fixture lacks ${needle}`);
  return VALID.replace(needle, replacement);
};

describe(compilePolicy.name, () => {
  const now = ENRICHED_EVENT_DECIDE_AT;
  const decide = (text: string, patch?: Parameters<typeof anEnrichedEvent>[0]) =>
    compile(text).evaluate(anEnrichedEvent(patch), { now });

  describe('rejects an invalid policy with the line and the reason', () => {
    it.each([
      {
        name: 'YAML syntax error',
        text: at('outcome: deny\n    reason: NET_TOR', 'outcome: [deny\n    reason: NET_TOR'),
        line: 0,
        message: /YAML/,
      },
      {
        name: 'unknown fact',
        text: at('fact: tor,', 'fact: onion,'),
        line: lineOf(VALID, 'fact: tor,'),
        message: /'onion' is not allowed here; expected one of: model/,
      },
      {
        name: 'unknown reason code',
        text: at('reason: NET_TOR', 'reason: NET_ONION'),
        line: lineOf(VALID, 'reason: NET_TOR'),
        message: /'NET_ONION' is not allowed here/,
      },
      {
        name: 'unknown property in a rule',
        text: at('    message: Tor.', '    message: Tor.\n    severity: high'),
        line: lineOf(VALID, 'message: Tor.') + 1,
        message: /unknown property 'severity'/,
      },
      {
        name: 'missing outcome',
        text: at('    outcome: deny\n    reason: NET_TOR', '    reason: NET_TOR'),
        line: lineOf(VALID, '- id: tor'),
        message: /missing required property 'outcome'/,
      },
      {
        name: 'two operators in one fact condition',
        text: at('{ fact: tor, equals: true }', '{ fact: tor, equals: true, exists: true }'),
        line: lineOf(VALID, 'fact: tor,'),
        message: /exactly one operator/,
      },
      {
        name: 'unknown group',
        text: at('notIn: group:domestic', 'notIn: group:domestik'),
        line: lineOf(VALID, 'notIn: group:domestic'),
        message: /unknown group 'group:domestik'/,
      },
      {
        name: 'operator that does not fit the fact',
        text: at('{ fact: tor, equals: true }', '{ fact: observedCountry, gt: 3 }'),
        line: lineOf(VALID, 'fact: tor,'),
        message: /'gt' needs a number fact; 'observedCountry' is string/,
      },
      {
        name: 'value of the wrong type',
        text: at('{ fact: tor, equals: true }', "{ fact: tor, equals: 'yes' }"),
        line: lineOf(VALID, 'fact: tor,'),
        message: /'tor' is boolean, the value "yes" is string/,
      },
      {
        name: 'duplicate rule id',
        text: at('- id: foreign', '- id: tor'),
        line: lineOf(VALID, '- id: foreign'),
        message: /duplicate rule id 'tor'/,
      },
      {
        name: 'model mapped to an unknown tier',
        text: at('tier: frontier }', 'tier: frontiers }'),
        line: lineOf(VALID, 'tier: frontier }'),
        message: /unknown tier 'frontiers'/,
      },
      {
        name: 'wrong apiVersion',
        text: at('clearance.policy/v1', 'clearance.policy/v2'),
        line: 1,
        message: /must be 'clearance.policy\/v1'/,
      },
    ])('$name', ({ text, line, message }) => {
      const issues = issuesOf(text);

      expect(issues.length).toBeGreaterThan(0);
      expect(issues[0]!.message).toMatch(message);
      if (line > 0) expect(issues[0]!.line).toBe(line);
      else expect(issues[0]!.line).toBeGreaterThan(0);
      expect(issues[0]!.file).toBe('p.yaml');
    });

    it('names the file, line and column in the error message', () => {
      expect(() => compile(at('reason: NET_TOR', 'reason: NET_ONION'))).toThrow(
        new RegExp(`^p\\.yaml:${lineOf(VALID, 'reason: NET_TOR')}:\\d+: 'NET_ONION'`),
      );
    });

    it('reports an import that cannot be read', () => {
      const dir = mkdtempSync(join(tmpdir(), 'policy-'));
      const file = join(dir, 'p.yaml');
      writeFileSync(
        file,
        VALID.replace("version: '1'", "version: '1'\nimports: { countryGroups: ./nope.yaml }"),
      );

      expect(() => loadPolicyFile(file)).toThrow(/p\.yaml:4:\d+: cannot import country groups: .*nope\.yaml/);
    });
  });

  describe('evaluates', () => {
    it('lets the first matching rule decide and lists later deny/challenge reasons', () => {
      const d = decide(VALID, (e) => {
        e.geo.ip.country = 'DE';
        e.geo.ip.anonymizers.push({ kind: 'tor', source: 'list' });
      });

      expect(d.outcome).toBe('deny');
      expect(d.reasons.map((r) => r.code)).toEqual([
        'NET_TOR',
        'GEO_CLAIMED_COUNTRY_MISMATCH',
        'GEO_NOT_DOMESTIC',
      ]);
      expect(d.obligations).toEqual([]);
      expect(d.trace.map((t) => [t.rule, t.matched])).toEqual([
        ['tor', true],
        ['mismatch', true],
        ['foreign', true],
        ['allow', false],
      ]);
    });

    it('expands groups inside lists', () => {
      expect(decide(VALID, (e) => void (e.geo.ip.country = 'CA')).reasons.map((r) => r.code)).toEqual([
        'GEO_CLAIMED_COUNTRY_MISMATCH',
      ]);
      expect(
        decide(VALID, (e) => {
          e.geo.ip.country = 'CA';
          e.request.subject.claimedCountry = 'CA';
        }).outcome,
      ).toBe('allow');
    });

    it('treats a missing fact as in no set and as neither match nor mismatch', () => {
      const d = decide(VALID, (e) => {
        delete (e.geo.ip as { country?: string }).country;
        delete e.request.subject.claimedCountry;
      });

      expect(d.outcome).toBe('deny');
      expect(d.reasons.map((r) => r.code)).toEqual(['GEO_NOT_DOMESTIC']);
    });

    it('denies with the default reason when nothing matched, and for an unknown model', () => {
      const text = at(
        'id: allow\n        when: { fact: observedCountry, in: [group:domestic, MX] }',
        'id: allow\n        when: { fact: observedCountry, in: [MX] }',
      );

      expect(decide(text).reasons.map((r) => r.code)).toEqual(['DEFAULT_DENY']);
      expect(decide(VALID, (e) => void (e.request.resource.model = 'other')).reasons[0]!.code).toBe(
        'DEFAULT_DENY',
      );
    });

    it('turns an exception during evaluation into a deny with EVALUATION_ERROR', () => {
      const d = decide(VALID, (e) => void (e.geo.ip.anonymizers = null as unknown as []));

      expect(d).toMatchObject({ outcome: 'deny', ttlSeconds: 0, reasons: [{ code: 'EVALUATION_ERROR' }] });
      expect(d.policy.id).toBe('tiny');
    });

    it('hashes the document bytes', () => {
      expect(compile(VALID).ref.hash).not.toBe(compile(VALID + '# comment\n').ref.hash);
    });
  });
});
