import Ajv, { type JSONSchemaType } from 'ajv';
import { DataFileError, YamlSource } from '@clearance/policy';
import { CidrSet } from '../cidr.set';
import type { OperatorListTag } from '../geo.snapshot';

interface OperatorGroup {
  label: string;
  cidrs: string[];
}
/** The file GEO_OPERATOR_LISTS_PATH names, as the schema admits it; a list left empty (`deny:`) reads as none. */
interface OperatorListsFile {
  allow?: OperatorGroup[] | null;
  deny?: OperatorGroup[] | null;
}

const GROUPS = {
  type: 'array',
  nullable: true,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['label', 'cidrs'],
    properties: {
      label: { type: 'string', minLength: 1 },
      cidrs: { type: 'array', items: { type: 'string' } },
    },
  },
} as const;

const OPERATOR_LISTS_SCHEMA: JSONSchemaType<OperatorListsFile> = {
  type: 'object',
  additionalProperties: false,
  properties: { allow: GROUPS, deny: GROUPS },
};

const validate = new Ajv({ allErrors: true, verbose: true }).compile(OPERATOR_LISTS_SCHEMA);

/** Parses the operator's allow/deny CIDR groups; throws DataFileError naming each bad entry's line. */
export function parseOperatorLists(file: string, text: string): CidrSet<OperatorListTag> {
  // an empty file is no lists: the operator has none (the deny list is extra evidence, not the only one)
  const { source, doc } = YamlSource.read(file, text, validate, { whenEmpty: {} });
  const set = new CidrSet<OperatorListTag>();
  const bad: DataFileError['issues'] = [];
  for (const list of ['allow', 'deny'] as const) {
    for (const [i, group] of (doc[list] ?? []).entries()) {
      const tag: OperatorListTag = Object.freeze({ list, label: group.label });
      for (const [j, cidr] of group.cidrs.entries()) {
        try {
          set.add(cidr, tag);
        } catch (err) {
          bad.push(source.issue([list, i, 'cidrs', j], (err as Error).message));
        }
      }
    }
  }
  if (bad.length > 0) throw new DataFileError(bad);
  return set;
}
