import { SANCTIONED_REGIONS, type AnonymizerSignalV1, type SanctionedRegion } from '@clearance/contracts';
import { parse as parseYaml } from 'yaml';
import type {
  NetworkClass,
  NetworkClasses,
  NetworkClassKind,
  RegionOperator,
  RelayOperator,
} from '../geo.snapshot';

interface NetworkClassesFile {
  version?: unknown;
  asns?: { asn?: unknown; name?: unknown; classes?: unknown; source?: unknown }[];
  regionOperators?: { asn?: unknown; region?: unknown; name?: unknown; source?: unknown }[];
  relayOperators?: { asn?: unknown; name?: unknown; source?: unknown }[];
}

export function parseNetworkClasses(text: string): NetworkClasses {
  const doc = (parseYaml(text) ?? {}) as NetworkClassesFile;
  const str = (v: unknown, what: string): string => {
    if (typeof v !== 'string' || !v) throw new Error(`network classes: ${what} must be a non-empty string`);
    return v;
  };
  const asnOf = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new Error(`network classes: bad asn ${String(v)}`);
    return v;
  };
  const byAsn = new Map<number, NetworkClass>();
  for (const e of doc.asns ?? []) {
    const asn = asnOf(e.asn);
    const name = str(e.name, `name of AS${asn}`);
    const classes = (Array.isArray(e.classes) ? e.classes : []) as unknown[];
    if (classes.length === 0 || classes.some((c) => c !== 'hosting' && c !== 'vpn')) {
      throw new Error(`network classes: AS${asn} classes must be a non-empty list of hosting/vpn`);
    }
    const source = str(e.source, `source of AS${asn}`);
    const signals: AnonymizerSignalV1[] = (classes as NetworkClassKind[]).map((kind) =>
      Object.freeze({
        kind,
        source: kind === 'hosting' ? 'hosting-asn' : 'vpn-asn',
        detail: `AS${asn} ${name}`,
      }),
    );
    byAsn.set(asn, Object.freeze({ asn, name, classes: classes as NetworkClassKind[], source, signals }));
  }
  const regionByAsn = new Map<number, RegionOperator>();
  for (const e of doc.regionOperators ?? []) {
    const asn = asnOf(e.asn);
    if (!SANCTIONED_REGIONS.includes(e.region as SanctionedRegion)) {
      throw new Error(`network classes: AS${asn} region must be one of ${SANCTIONED_REGIONS.join(', ')}`);
    }
    regionByAsn.set(asn, {
      asn,
      region: e.region as SanctionedRegion,
      name: str(e.name, `name of AS${asn}`),
      source: str(e.source, `source of AS${asn}`),
    });
  }
  const relayByAsn = new Map<number, RelayOperator>();
  for (const e of doc.relayOperators ?? []) {
    const asn = asnOf(e.asn);
    relayByAsn.set(asn, {
      asn,
      name: str(e.name, `name of AS${asn}`),
      source: str(e.source, `source of AS${asn}`),
    });
  }
  return {
    version: typeof doc.version === 'string' ? doc.version : 'unversioned',
    byAsn,
    regionByAsn,
    relayByAsn,
  };
}
