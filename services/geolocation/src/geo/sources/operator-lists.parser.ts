import { parse as parseYaml } from 'yaml';
import { CidrSet } from '../cidr.set';
import type { OperatorListTag } from '../geo.snapshot';

interface OperatorListsFile {
  allow?: { label?: unknown; cidrs?: unknown }[];
  deny?: { label?: unknown; cidrs?: unknown }[];
}

export function parseOperatorLists(text: string): CidrSet<OperatorListTag> {
  const doc = (parseYaml(text) ?? {}) as OperatorListsFile;
  const set = new CidrSet<OperatorListTag>();
  for (const list of ['allow', 'deny'] as const) {
    for (const group of doc[list] ?? []) {
      if (typeof group.label !== 'string' || !group.label)
        throw new Error(`operator lists: ${list} entry without label`);
      if (!Array.isArray(group.cidrs))
        throw new Error(`operator lists: ${group.label}: cidrs must be a list`);
      const tag: OperatorListTag = Object.freeze({ list, label: group.label });
      for (const cidr of group.cidrs as unknown[]) {
        if (typeof cidr !== 'string')
          throw new Error(`operator lists: ${group.label}: ${String(cidr)} is not a CIDR`);
        set.add(cidr, tag);
      }
    }
  }
  return set;
}
