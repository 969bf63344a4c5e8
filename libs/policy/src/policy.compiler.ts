import { createHash } from 'node:crypto';
import Ajv from 'ajv';
import type { DatasetVersionV1, PolicyRefV1, ReasonV1, TraceEntryV1 } from '@clearance/contracts';
import type { CountryGroups } from './country-groups.loader';
import { FACTS, type EvalContext, type FactType } from './policy.facts';
import { POLICY_SCHEMA } from './policy.schema';
import {
  PolicyLoadError,
  refusePolicy,
  type CompiledPolicy,
  type ConditionDoc,
  type FactConditionDoc,
  type Outcome,
  type PolicyDecision,
  type PolicyDoc,
  type PolicyInput,
  type PolicyIssue,
  type RuleDoc,
} from './policy.types';
import { evaluationErrorDecision, stageLatency } from './decision.builders';
import { isoOf } from './iso-time';
import { YamlSource } from './yaml.source';

type Path = (string | number)[];
type Test = (e: PolicyInput, c: EvalContext) => boolean;

interface CompiledRule {
  id: string;
  test: Test;
  outcome: Outcome;
  reason: ReasonV1;
  obligations: readonly string[];
  ttlSeconds: number | undefined;
  hit: TraceEntryV1;
  miss: TraceEntryV1;
}

export interface PolicySource {
  /** Shown in errors; relative imports resolve against it. */
  file: string;
  bytes: Buffer;
}

export interface CompileOptions {
  /** Loads the country groups named by `imports.countryGroups` (the loader resolves paths and `builtin:`). */
  loadCountryGroups?: (ref: string) => CountryGroups;
}

const validateDoc = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(POLICY_SCHEMA);
const DEFAULT_TTL_SECONDS = 300;
const MODEL_CACHE_LIMIT = 4096;

/** Validates a policy document and compiles it into an evaluator; throws PolicyLoadError with located issues. */
export function compilePolicy(src: PolicySource, options: CompileOptions = {}): CompiledPolicy {
  const read = YamlSource.read(src.file, src.bytes.toString('utf8'), validateDoc, { refuse: refusePolicy });
  const { source } = read;
  const doc = read.doc as unknown as PolicyDoc;
  const issues: PolicyIssue[] = [];
  const fail = (path: Path, message: string): void => void issues.push(source.issue(path, message));

  const groups = new Map<string, ReadonlySet<string>>();
  const datasets: DatasetVersionV1[] = [];
  if (doc.imports?.countryGroups !== undefined) {
    if (!options.loadCountryGroups) {
      fail(['imports', 'countryGroups'], 'imports are not available when compiling from memory');
    } else {
      try {
        const imported = options.loadCountryGroups(doc.imports.countryGroups);
        for (const [name, members] of imported.groups) groups.set(name, new Set(members));
        datasets.push(imported.dataset);
      } catch (err) {
        const detail = err instanceof PolicyLoadError ? err.message : (err as Error).message;
        fail(['imports', 'countryGroups'], `cannot import country groups: ${detail}`);
      }
    }
  }
  for (const [name, members] of Object.entries(doc.groups ?? {})) groups.set(name, new Set(members));

  const resolveSet = (ref: string | string[], path: Path): ReadonlySet<string> => {
    const out = new Set<string>();
    const entries = typeof ref === 'string' ? [ref] : ref;
    entries.forEach((entry, i) => {
      if (!entry.startsWith('group:')) return void out.add(entry);
      const g = groups.get(entry.slice('group:'.length));
      if (!g) return fail(typeof ref === 'string' ? path : [...path, i], `unknown group '${entry}'`);
      for (const m of g) out.add(m);
    });
    return out;
  };

  const compileFact = (c: FactConditionDoc, path: Path): Test => {
    const fact = FACTS[c.fact]!;
    const get = fact.get;
    const op = Object.keys(c).find((k) => k !== 'fact') as Exclude<keyof FactConditionDoc, 'fact'>;
    const at = [...path, op];
    const wrongType = (want: string): Test => {
      fail(at, `operator '${op}' needs a ${want} fact; '${c.fact}' is ${fact.type}`);
      return () => false;
    };
    switch (op) {
      case 'equals':
      case 'notEquals': {
        const v = c[op]!;
        const vt: FactType = typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : 'boolean';
        if (vt !== fact.type)
          fail(at, `'${c.fact}' is ${fact.type}, the value ${JSON.stringify(v)} is ${vt}`);
        return op === 'equals' ? (e, x) => get(e, x) === v : (e, x) => get(e, x) !== v;
      }
      case 'in':
      case 'notIn': {
        if (fact.type !== 'string') return wrongType('string');
        const set = resolveSet(c[op]!, at);
        return op === 'in' ? (e, x) => set.has(get(e, x) as string) : (e, x) => !set.has(get(e, x) as string);
      }
      case 'anyIn':
      case 'anyNotIn': {
        if (fact.type !== 'string[]') return wrongType('list');
        const set = resolveSet(c[op]!, at);
        const want = op === 'anyIn';
        return (e, x) => {
          const vs = get(e, x) as readonly string[] | undefined;
          if (!vs) return false;
          for (const v of vs) if (set.has(v) === want) return true;
          return false;
        };
      }
      case 'exists': {
        const want = c.exists!;
        return (e, x) => {
          const v = get(e, x);
          return (v !== undefined && v !== null) === want;
        };
      }
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        if (fact.type !== 'number') return wrongType('number');
        const n = c[op]!;
        const num = (e: PolicyInput, x: EvalContext): number => {
          const v = get(e, x);
          return typeof v === 'number' ? v : NaN; // NaN compares false: a missing value never passes
        };
        if (op === 'gt') return (e, x) => num(e, x) > n;
        if (op === 'gte') return (e, x) => num(e, x) >= n;
        if (op === 'lt') return (e, x) => num(e, x) < n;
        return (e, x) => num(e, x) <= n;
      }
      case 'equalsFact':
      case 'notEqualsFact': {
        const other = FACTS[c[op]!]!;
        if (other.type !== fact.type || fact.type === 'string[]') {
          fail(at, `cannot compare '${c.fact}' (${fact.type}) with '${c[op]}' (${other.type})`);
        }
        const getOther = other.get;
        const same = op === 'equalsFact';
        // Both must be present: a missing claim is neither a match nor a mismatch.
        return (e, x) => {
          const a = get(e, x);
          const b = getOther(e, x);
          return a !== undefined && a !== null && b !== undefined && b !== null && (a === b) === same;
        };
      }
      case undefined:
        fail(path, 'a fact condition needs an operator');
        return () => false;
    }
  };

  const compileCondition = (c: ConditionDoc, path: Path): Test => {
    if ('all' in c) {
      const parts = c.all.map((x, i) => compileCondition(x, [...path, 'all', i]));
      return (e, x) => {
        for (const p of parts) if (!p(e, x)) return false;
        return true;
      };
    }
    if ('any' in c) {
      const parts = c.any.map((x, i) => compileCondition(x, [...path, 'any', i]));
      return (e, x) => {
        for (const p of parts) if (p(e, x)) return true;
        return false;
      };
    }
    if ('not' in c) {
      const inner = compileCondition(c.not, [...path, 'not']);
      return (e, x) => !inner(e, x);
    }
    return compileFact(c, path);
  };

  const ruleIds = new Map<string, string>();
  const compileRules = (rules: RuleDoc[] | undefined, path: Path): CompiledRule[] =>
    (rules ?? []).map((r, i) => {
      const at = [...path, i];
      const pointer = at.join('/');
      if (ruleIds.has(r.id))
        fail([...at, 'id'], `duplicate rule id '${r.id}' (first at /${ruleIds.get(r.id)})`);
      else ruleIds.set(r.id, pointer);
      return {
        id: r.id,
        test: r.when ? compileCondition(r.when, [...at, 'when']) : () => true,
        outcome: r.outcome,
        reason: Object.freeze({ code: r.reason, message: r.message }),
        obligations: Object.freeze([...(r.obligations ?? [])]),
        ttlSeconds: r.ttlSeconds,
        hit: Object.freeze({ rule: r.id, matched: true, outcome: r.outcome, reason: r.reason }),
        miss: Object.freeze({ rule: r.id, matched: false }),
      };
    });

  const globalRules = compileRules(doc.rules, ['rules']);
  const byTier = new Map<string, CompiledRule[]>();
  for (const [tier, t] of Object.entries(doc.tiers)) {
    byTier.set(tier, [...globalRules, ...compileRules(t.rules, ['tiers', tier, 'rules'])]);
  }
  const matchers = doc.models.map((m, i) => {
    if (!byTier.has(m.tier)) fail(['models', i, 'tier'], `unknown tier '${m.tier}'; define it under 'tiers'`);
    if (!m.match.includes('*')) return { tier: m.tier, test: (id: string) => id === m.match };
    const re = new RegExp('^' + m.match.split('*').map(escapeRegExp).join('.*') + '$');
    return { tier: m.tier, test: (id: string) => re.test(id) };
  });
  if (issues.length > 0) throw new PolicyLoadError(issues.sort((a, b) => a.line - b.line));

  const ref: PolicyRefV1 = Object.freeze({
    id: doc.id,
    version: doc.version,
    hash: createHash('sha256').update(src.bytes).digest('hex'),
    ...(datasets.length > 0 ? { datasets } : {}),
  });
  const defaultTtl = doc.settings?.decisionTtlSeconds ?? DEFAULT_TTL_SECONDS;
  const fallback: CompiledRule = {
    id: 'default',
    test: () => true,
    outcome: 'deny',
    reason: Object.freeze({ code: doc.default.reason, message: doc.default.message }),
    obligations: Object.freeze([]),
    ttlSeconds: doc.default.ttlSeconds,
    hit: Object.freeze({ rule: 'default', matched: true, outcome: 'deny', reason: doc.default.reason }),
    miss: Object.freeze({ rule: 'default', matched: false }),
  };

  const modelCache = new Map<string, string | null>();
  const tierOf = (model: string): string | undefined => {
    const cached = modelCache.get(model);
    if (cached !== undefined) return cached ?? undefined;
    const tier = matchers.find((m) => m.test(model))?.tier;
    if (modelCache.size >= MODEL_CACHE_LIMIT) modelCache.clear();
    modelCache.set(model, tier ?? null);
    return tier;
  };

  const decide = (event: PolicyInput, now: number): PolicyDecision => {
    const model = event.request?.resource?.model;
    const tier = typeof model === 'string' ? tierOf(model) : undefined;
    const ctx: EvalContext = { now, tier, approvalExpiry: NaN };
    const rules = tier === undefined ? globalRules : byTier.get(tier)!;
    const trace: TraceEntryV1[] = [];
    let deciding: CompiledRule | undefined;
    let others: CompiledRule[] | undefined;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const matched = rule.test(event, ctx);
      trace.push(matched ? rule.hit : rule.miss);
      if (!matched) continue;
      if (deciding === undefined) deciding = rule;
      else if (rule.outcome !== 'allow') (others ??= []).push(rule);
    }
    if (deciding === undefined) {
      deciding = fallback;
      trace.push(fallback.hit);
    }
    const reasons: ReasonV1[] = [deciding.reason];
    let obligations: readonly string[] = deciding.obligations;
    if (others !== undefined && deciding.outcome !== 'allow') {
      for (const r of others) {
        if (!reasons.some((x) => x.code === r.reason.code)) reasons.push(r.reason);
        if (r.outcome === deciding.outcome && r.obligations.length > 0) {
          obligations = [...new Set([...obligations, ...r.obligations])];
        }
      }
    }
    // One object shape for every decision (no conditional spread): `tier: undefined` is dropped by JSON.
    return {
      outcome: deciding.outcome,
      reasons,
      obligations: obligations as string[],
      policy: ref,
      tier,
      trace,
      ttlSeconds: deciding.ttlSeconds ?? defaultTtl,
      latency: stageLatency(event, now),
      decidedAt: isoOf(now),
    };
  };

  return {
    ref,
    tiers: [...byTier.keys()],
    tierOf,
    evaluate(event, opts) {
      const now = opts?.now ?? Date.now();
      try {
        return decide(event, now);
      } catch (err) {
        return evaluationErrorDecision(event, now, ref, err);
      }
    },
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
