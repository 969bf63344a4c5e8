import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseCountryGroups, type CountryGroups } from './country-groups.loader';
import { compilePolicy } from './policy.compiler';
import { PolicyLoadError, type CompiledPolicy } from './policy.types';

/** The policy shipped with Clearance (the directive). */
export const DEFAULT_POLICY_PATH = join(__dirname, '..', 'policies', 'default.yaml');
/** The dated country groups shipped with Clearance; a policy imports them as `builtin:country-groups`. */
export const BUILTIN_COUNTRY_GROUPS_PATH = join(__dirname, '..', 'data', 'country-groups.yaml');

const BUILTINS: Record<string, string> = { 'builtin:country-groups': BUILTIN_COUNTRY_GROUPS_PATH };

/** Where an import of a policy at `policyPath` points. */
export function resolveImport(policyPath: string, ref: string): string {
  if (ref.startsWith('builtin:')) {
    const p = BUILTINS[ref];
    if (!p) throw new Error(`unknown builtin '${ref}' (known: ${Object.keys(BUILTINS).join(', ')})`);
    return p;
  }
  return isAbsolute(ref) ? ref : resolve(dirname(policyPath), ref);
}

export interface LoadedPolicy {
  policy: CompiledPolicy;
  /** Every file the policy was read from (the policy and its imports): what a watcher should watch. */
  files: string[];
}

function read(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new PolicyLoadError([
      { file, line: 0, column: 0, path: '', message: `cannot read: ${(err as Error).message}` },
    ]);
  }
}

/** Reads, validates and compiles a policy file and its imports; throws PolicyLoadError. */
export function loadPolicyFile(path: string): LoadedPolicy {
  const file = resolve(path);
  const files = [file];
  const bytes = read(file);
  const policy = compilePolicy(
    { file, bytes },
    {
      loadCountryGroups: (ref): CountryGroups => {
        const target = resolveImport(file, ref);
        files.push(target);
        return parseCountryGroups(target, read(target));
      },
    },
  );
  return { policy, files };
}
