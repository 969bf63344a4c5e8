import { createHash } from 'node:crypto';
import Ajv from 'ajv';
import type { DatasetVersionV1 } from '@clearance/contracts';
import { refusePolicy } from './policy.types';
import { YamlSource } from './yaml.source';

const memberList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['code', 'source'],
    properties: {
      code: { type: 'string', minLength: 1 },
      name: { type: 'string' },
      source: { type: 'string', minLength: 1 },
      until: { type: 'string' },
    },
  },
};
const groupMap = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['members'],
    properties: { description: { type: 'string' }, members: memberList, formerMembers: memberList },
  },
};
const COUNTRY_GROUPS_SCHEMA = {
  type: 'object',
  required: ['asOf', 'countryGroups'],
  properties: {
    asOf: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    countryGroups: groupMap,
    regionGroups: groupMap,
  },
};

interface Member {
  code: string;
  name?: string;
  source: string;
}
interface GroupsFile {
  asOf: string;
  countryGroups: Record<string, { members: Member[] }>;
  regionGroups?: Record<string, { members: Member[] }>;
}

/** Named sets of country codes (and region ids) with the dated source they came from. */
export interface CountryGroups {
  groups: Map<string, readonly string[]>;
  dataset: DatasetVersionV1;
}

const validate = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(COUNTRY_GROUPS_SCHEMA);

/** Parses a country-groups data file (libs/policy/data/country-groups.yaml layout). */
export function parseCountryGroups(file: string, bytes: Buffer): CountryGroups {
  const { doc } = YamlSource.read(file, bytes.toString('utf8'), validate, { refuse: refusePolicy });
  const data = doc as unknown as GroupsFile;
  const groups = new Map<string, readonly string[]>();
  for (const [name, g] of Object.entries({ ...data.countryGroups, ...(data.regionGroups ?? {}) })) {
    groups.set(
      name,
      g.members.map((m) => m.code),
    );
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  return { groups, dataset: { name: 'country-groups', version: `${data.asOf};sha256:${sha}` } };
}
