import type { ErrorObject } from 'ajv';
import type { PolicyIssue } from './policy.types';
import { fromPointer, type YamlSource } from './yaml.source';

function listOf(values: readonly unknown[]): string {
  const shown = values.slice(0, 8).map(String).join(', ');
  return values.length > 8 ? `${shown}, … (${values.length} in all, see docs/policy.md)` : shown;
}

function describe(e: ErrorObject): { path: (string | number)[]; message: string } {
  const path = fromPointer(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return {
        path: [...path, String(p.additionalProperty)],
        message: `unknown property '${String(p.additionalProperty)}'`,
      };
    case 'required':
      return { path, message: `missing required property '${String(p.missingProperty)}'` };
    case 'enum':
      return {
        path,
        message: `'${String(e.data)}' is not allowed here; expected one of: ${listOf(p.allowedValues as unknown[])}`,
      };
    case 'const':
      return { path, message: `must be '${String(p.allowedValue)}'` };
    case 'minProperties':
    case 'maxProperties':
      if (
        e.parentSchema &&
        'properties' in e.parentSchema &&
        'fact' in (e.parentSchema.properties as object)
      ) {
        return {
          path,
          message: 'a fact condition takes exactly one operator (equals, in, notIn, exists, gt, …)',
        };
      }
      return { path, message: e.message ?? e.keyword };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

/** Ajv errors as located, human-readable issues (the `if` wrappers dropped, duplicates merged). */
export function describeAjvErrors(source: YamlSource, errors: readonly ErrorObject[]): PolicyIssue[] {
  const seen = new Set<string>();
  const issues: PolicyIssue[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    const { path, message } = describe(e);
    const issue = source.issue(path, message);
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}
