import { SANCTIONED_REGIONS, type AnonymizerSignalV1, type SanctionedRegion } from '@clearance/contracts';
import Ajv, { type JSONSchemaType } from 'ajv';
import type {
  NetworkClass,
  NetworkClasses,
  NetworkClassKind,
  RegionOperator,
  RelayOperator,
} from '../geo.snapshot';
import { DataFileError, YamlSource } from '@clearance/policy';

interface AsnEntry {
  asn: number;
  name: string;
  classes: NetworkClassKind[];
  source: string;
}
interface RegionEntry {
  asn: number;
  region: SanctionedRegion;
  name: string;
  source: string;
}
interface RelayEntry {
  asn: number;
  name: string;
  source: string;
}
/**
 * data/network-classes.yaml as the schema admits it. The ASN table is required and not empty: without it no
 * hosting or VPN network is recognised by its ASN, so an empty or truncated file would switch that evidence off
 * without a word (a reload that fails keeps the previous table). The operator sections may be empty (`regionOperators:`).
 */
interface NetworkClassesFile {
  version?: string;
  asns: AsnEntry[];
  regionOperators?: RegionEntry[] | null;
  relayOperators?: RelayEntry[] | null;
}

const ASN = { type: 'integer', minimum: 1 } as const;
const TEXT = { type: 'string', minLength: 1 } as const;

const NETWORK_CLASSES_SCHEMA: JSONSchemaType<NetworkClassesFile> = {
  type: 'object',
  additionalProperties: false,
  required: ['asns'],
  properties: {
    version: { type: 'string', nullable: true },
    asns: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['asn', 'name', 'classes', 'source'],
        properties: {
          asn: ASN,
          name: TEXT,
          classes: { type: 'array', minItems: 1, items: { type: 'string', enum: ['hosting', 'vpn'] } },
          source: TEXT,
        },
      },
    },
    regionOperators: {
      type: 'array',
      nullable: true,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['asn', 'region', 'name', 'source'],
        properties: {
          asn: ASN,
          region: { type: 'string', enum: [...SANCTIONED_REGIONS] },
          name: TEXT,
          source: TEXT,
        },
      },
    },
    relayOperators: {
      type: 'array',
      nullable: true,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['asn', 'name', 'source'],
        properties: { asn: ASN, name: TEXT, source: TEXT },
      },
    },
  },
};

const validate = new Ajv({ allErrors: true, verbose: true }).compile(NETWORK_CLASSES_SCHEMA);

/** Parses data/network-classes.yaml (ASN classes, region and relay operators); throws DataFileError. */
export function parseNetworkClasses(file: string, text: string): NetworkClasses {
  const { source: yaml, doc } = YamlSource.read(file, text, validate, { whenEmpty: {} });
  // an ASN listed twice in one section: which entry wins would depend on the order, so neither is taken
  const repeated = (section: 'asns' | 'regionOperators' | 'relayOperators') => {
    const seen = new Set<number>();
    const issues = [];
    for (const [i, { asn }] of (doc[section] ?? []).entries()) {
      if (seen.has(asn))
        issues.push(yaml.issue([section, i, 'asn'], `AS${asn} is listed twice in ${section}`));
      seen.add(asn);
    }
    return issues;
  };
  const issues = [...repeated('asns'), ...repeated('regionOperators'), ...repeated('relayOperators')];
  if (issues.length > 0) throw new DataFileError(issues);
  const byAsn = new Map<number, NetworkClass>();
  for (const { asn, name, classes, source } of doc.asns) {
    const signals: AnonymizerSignalV1[] = classes.map((kind) =>
      Object.freeze({
        kind,
        source: kind === 'hosting' ? 'hosting-asn' : 'vpn-asn',
        detail: `AS${asn} ${name}`,
      }),
    );
    byAsn.set(asn, Object.freeze({ asn, name, classes, source, signals }));
  }
  const regionByAsn = new Map<number, RegionOperator>();
  for (const { asn, region, name, source } of doc.regionOperators ?? []) {
    regionByAsn.set(asn, { asn, region, name, source });
  }
  const relayByAsn = new Map<number, RelayOperator>();
  for (const { asn, name, source } of doc.relayOperators ?? []) relayByAsn.set(asn, { asn, name, source });
  return { version: doc.version ?? 'unversioned', byAsn, regionByAsn, relayByAsn };
}
