import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  SANCTIONED_REGIONS,
  type AnonymizerSignalV1,
  type DatasetVersionV1,
  type SanctionedRegion,
} from '@clearance/contracts';
import { parse as parseYaml } from 'yaml';
import { AsnIndex } from './asn.index';
import { CidrSet } from './cidr.set';
import {
  DbipCityDatabase,
  MaxMindAsnSource,
  MaxMindCityDatabase,
  MmdbLookup,
  openReader,
  type MmdbReader,
} from './city.database';
import type { GeoDataConfig } from './geo-data.config';
import type {
  GeoSnapshot,
  NetworkClass,
  NetworkClasses,
  NetworkClassKind,
  OperatorListTag,
  RegionOperator,
  RelayOperator,
  TorExitList,
} from './geo.snapshot';
import { parseIpAddress } from './ip.address';
import { RangeIndex } from './range.index';

/** The parts of a snapshot one component owns, and the data sets it contributes to provenance. */
export type SnapshotPart = Partial<Omit<GeoSnapshot, 'datasets' | 'generation'>>;
export interface LoadedPart {
  readonly part: SnapshotPart;
  readonly datasets: readonly DatasetVersionV1[];
}

/** A group of files that load together into one part of the snapshot. */
export interface DataComponent {
  readonly name: string;
  readonly files: readonly string[];
  load(): Promise<LoadedPart>;
}

/** sha256 of the 2024-02-27 snapshot shipped as data/tor-exit-nodes.lst: lets provenance name its date. */
export const SHIPPED_TOR_SNAPSHOT = {
  sha256: '964f40143e388f40eebef3e9fe1099ffd3d998e9a3e6df42f481adbf578b7898',
  date: '2024-02-27',
} as const;

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `name@version` of the npm data package a file ships in, if it does. */
function packageOf(file: string): string | undefined {
  const pkg = join(dirname(file), 'package.json');
  if (!existsSync(pkg)) return undefined;
  const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
  return json.name && json.version ? `${json.name}@${json.version}` : undefined;
}

function buildDate(reader: MmdbReader): string {
  return reader.metadata.buildEpoch.toISOString().replace('.000Z', 'Z');
}

async function mmdb(file: string): Promise<{ reader: MmdbReader; version: string }> {
  const reader = openReader(await readFile(file));
  const pkg = packageOf(file);
  const meta = reader.metadata;
  return { reader, version: `${meta.databaseType} build ${buildDate(reader)}${pkg ? `; ${pkg}` : ''}` };
}

/** Comment (`#`) and blank-line tolerant line reader for the list files. */
function dataLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.replace(/#.*$/, '').trim();
    if (t) out.push({ line: i + 1, text: t });
  });
  return out;
}

function cityComponent(config: GeoDataConfig): DataComponent {
  if (config.maxmindCityPath) {
    const file = config.maxmindCityPath;
    return {
      name: 'city',
      files: [file],
      load: async () => {
        const db = await mmdb(file);
        return {
          part: { city: new MaxMindCityDatabase(db.reader), cityDatasetName: 'maxmind-city' },
          datasets: [{ name: 'maxmind-city', version: db.version }],
        };
      },
    };
  }
  const { dbipCityV4Path: v4, dbipCityV6Path: v6 } = config;
  return {
    name: 'city',
    files: [v4, v6],
    load: async () => {
      const [a, b] = await Promise.all([mmdb(v4), mmdb(v6)]);
      return {
        part: { city: new DbipCityDatabase(a.reader, b.reader), cityDatasetName: 'dbip-city-lite' },
        datasets: [{ name: 'dbip-city-lite', version: `${a.version}; ${b.version}` }],
      };
    },
  };
}

function asnComponent(config: GeoDataConfig): DataComponent {
  if (config.maxmindAsnPath) {
    const file = config.maxmindAsnPath;
    return {
      name: 'asn',
      files: [file],
      load: async () => {
        const db = await mmdb(file);
        return {
          part: { asn: new MaxMindAsnSource(db.reader) },
          datasets: [{ name: 'maxmind-asn', version: db.version }],
        };
      },
    };
  }
  const { asnV4CsvPath: v4, asnV6CsvPath: v6 } = config;
  return {
    name: 'asn',
    files: [v4, v6],
    load: async () => {
      const [a, b] = await Promise.all([readFile(v4, 'utf8'), readFile(v6, 'utf8')]);
      const index = AsnIndex.fromCsv(a, b);
      const pkg = packageOf(v4);
      return {
        part: { asn: index },
        datasets: [
          {
            name: 'ip-location-db-asn',
            version: `${pkg ? `${pkg}; ` : ''}ipv4 sha256 ${sha256(a)}; ipv6 sha256 ${sha256(b)}`,
          },
        ],
      };
    },
  };
}

function anonymousIpComponent(config: GeoDataConfig): DataComponent | undefined {
  const file = config.maxmindAnonymousIpPath;
  if (!file) return undefined;
  return {
    name: 'anonymous-ip',
    files: [file],
    load: async () => {
      const db = await mmdb(file);
      return {
        part: { anonymousIp: new MmdbLookup(db.reader) },
        datasets: [{ name: 'maxmind-anonymous-ip', version: db.version }],
      };
    },
  };
}

/** Tor Project bulk exit list (one address a line); also accepts `ExitAddress <ip> ...` lines of exit-addresses. */
export function parseTorList(text: string): Set<string> {
  const addresses = new Set<string>();
  for (const { line, text: t } of dataLines(text)) {
    const token = t.startsWith('ExitAddress ') ? t.split(/\s+/)[1]! : t;
    if (/^(ExitNode|Published|LastStatus) /.test(t)) continue;
    try {
      addresses.add(parseIpAddress(token).text);
    } catch {
      throw new Error(`tor exit list line ${line}: not an address: ${JSON.stringify(token.slice(0, 64))}`);
    }
  }
  // An empty list would silently switch Tor detection off: refuse it, the old list stays.
  if (addresses.size === 0) throw new Error('tor exit list has no addresses');
  return addresses;
}

function torComponent(config: GeoDataConfig): DataComponent {
  const file = config.torListPath;
  return {
    name: 'tor',
    files: [file],
    load: async () => {
      const raw = await readFile(file);
      const addresses = parseTorList(raw.toString('utf8'));
      const hash = sha256(raw);
      const date =
        hash === SHIPPED_TOR_SNAPSHOT.sha256
          ? `snapshot ${SHIPPED_TOR_SNAPSHOT.date}`
          : `file modified ${(await stat(file)).mtime.toISOString()}`;
      const tor: TorExitList = {
        addresses,
        signal: Object.freeze({ kind: 'tor', source: 'tor-exit-list', detail: date }),
      };
      return {
        part: { tor },
        datasets: [
          {
            name: 'tor-exit-list',
            version: `${date}; ${addresses.size} addresses; sha256 ${hash}`,
            ...(hash === SHIPPED_TOR_SNAPSHOT.sha256 ? { date: SHIPPED_TOR_SNAPSHOT.date } : {}),
            source: 'Tor Project bulk exit list',
            count: addresses.size,
          },
        ],
      };
    },
  };
}

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

function networkClassesComponent(config: GeoDataConfig): DataComponent {
  const file = config.networkClassesPath;
  return {
    name: 'network-classes',
    files: [file],
    load: async () => {
      const raw = await readFile(file);
      const networkClasses = parseNetworkClasses(raw.toString('utf8'));
      return {
        part: { networkClasses },
        datasets: [
          {
            name: 'network-classes',
            version: `${networkClasses.version}; ${networkClasses.byAsn.size} ASNs; ${networkClasses.regionByAsn.size} region operators; ${networkClasses.relayByAsn.size} relay operators; sha256 ${sha256(raw)}`,
          },
        ],
      };
    },
  };
}

/** `CIDR [label]` a line; the label (or the CIDR itself) becomes the signal's detail. */
export function parseRangeList(text: string, what: string): CidrSet<string> {
  const set = new CidrSet<string>();
  for (const { line, text: t } of dataLines(text)) {
    const [cidr, ...label] = t.split(/\s+/);
    try {
      set.add(cidr!, label.length > 0 ? label.join(' ') : cidr!);
    } catch {
      throw new Error(`${what} line ${line}: not a CIDR: ${JSON.stringify(cidr!.slice(0, 64))}`);
    }
  }
  return set;
}

function rangeListComponent(
  name: 'vpn-ranges' | 'proxy-ranges',
  file: string | undefined,
  key: 'vpnRanges' | 'proxyRanges',
): DataComponent {
  if (!file) {
    return {
      name,
      files: [],
      load: () => Promise.resolve({ part: { [key]: new CidrSet<string>() }, datasets: [] }),
    };
  }
  return {
    name,
    files: [file],
    load: async () => {
      const raw = await readFile(file);
      const set = parseRangeList(raw.toString('utf8'), name);
      return {
        part: { [key]: set },
        datasets: [{ name, version: `${set.size} ranges; sha256 ${sha256(raw)}` }],
      };
    },
  };
}

/**
 * The published lists shipped in data/x4bnet (X4BNet lists_vpn as of 2026-08-22, MIT), by sha256: lets
 * provenance name their date when the files are the shipped ones.
 */
export const SHIPPED_X4BNET_LISTS = {
  date: '2026-08-22',
  source: 'https://github.com/X4BNet/lists_vpn (MIT, (c) 2024 X4B)',
  sha256: new Set([
    'd9c11123704770e307f814d36c5bdbdd1997c65c9f3de7ca3a95aa9fa0d5d7e3', // output/vpn/ipv4.txt
    '5b91e26f6706d20307b4f329ce2f148cfa17d5939d9c367962e2b91b65333d0a', // output/vpn/ipv6.txt
    '3d24d6e3c0b0aecea1d8eed1f91fc0d563bba6dd80b8e13383e13a562758a0c5', // output/datacenter/ipv4.txt
    'fb1c6e465fed11612a620e54810891d877ba65d71b4d049759511a5d4273b7fc', // output/datacenter/ipv6.txt
  ]),
} as const;

/** One CIDR a line (comments and blank lines allowed), every line's signal built once at load. */
export function parsePublishedList(
  text: string,
  what: string,
  signal: (cidr: string) => AnonymizerSignalV1,
): [string, AnonymizerSignalV1][] {
  const out: [string, AnonymizerSignalV1][] = [];
  for (const { line, text: t } of dataLines(text)) {
    const cidr = t.split(/\s+/)[0]!;
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(cidr))
      throw new Error(`${what} line ${line}: not a CIDR: ${JSON.stringify(cidr.slice(0, 64))}`);
    out.push([cidr, Object.freeze(signal(cidr))]);
  }
  return out;
}

function publishedListComponent(
  name: 'x4bnet-vpn' | 'x4bnet-datacenter',
  kind: 'vpn' | 'hosting',
  key: 'vpnList' | 'datacenterList',
  v4: string,
  v6: string,
): DataComponent {
  return {
    name,
    files: [v4, v6],
    load: async () => {
      const [a, b] = await Promise.all([readFile(v4), readFile(v6)]);
      const signal = (cidr: string): AnonymizerSignalV1 => ({ kind, source: name, detail: cidr });
      const entries = [
        ...parsePublishedList(a.toString('utf8'), `${name} ${v4}`, signal),
        ...parsePublishedList(b.toString('utf8'), `${name} ${v6}`, signal),
      ];
      let index: RangeIndex<AnonymizerSignalV1>;
      try {
        index = RangeIndex.build(entries);
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`);
      }
      // An empty list would silently switch the signal off: refuse it, the old list stays.
      if (index.v4Count === 0) throw new Error(`${name}: ${v4} has no ranges`);
      const hashes = [sha256(a), sha256(b)];
      const shipped = hashes.every((h) => SHIPPED_X4BNET_LISTS.sha256.has(h));
      const date = shipped
        ? SHIPPED_X4BNET_LISTS.date
        : new Date(Math.max((await stat(v4)).mtimeMs, (await stat(v6)).mtimeMs)).toISOString();
      return {
        part: { [key]: index },
        datasets: [
          {
            name,
            version:
              `${shipped ? `snapshot ${date}` : `files modified ${date}`}; ${index.size} ranges ` +
              `(${index.v4Count} IPv4, ${index.v6Count} IPv6); ipv4 sha256 ${hashes[0]}; ipv6 sha256 ${hashes[1]}`,
            date,
            source: shipped ? SHIPPED_X4BNET_LISTS.source : `${v4}, ${v6}`,
            count: index.size,
          },
        ],
      };
    },
  };
}

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

function operatorListsComponent(config: GeoDataConfig): DataComponent {
  const file = config.operatorListsPath;
  if (!file) {
    return {
      name: 'operator-lists',
      files: [],
      load: () => Promise.resolve({ part: { operatorLists: new CidrSet<OperatorListTag>() }, datasets: [] }),
    };
  }
  return {
    name: 'operator-lists',
    files: [file],
    load: async () => {
      const raw = await readFile(file);
      const operatorLists = parseOperatorLists(raw.toString('utf8'));
      return {
        part: { operatorLists },
        datasets: [
          { name: 'operator-lists', version: `${operatorLists.size} ranges; sha256 ${sha256(raw)}` },
        ],
      };
    },
  };
}

/** Every data component the configuration asks for, in a stable order (provenance lists them in it). */
export function dataComponents(config: GeoDataConfig): DataComponent[] {
  return [
    cityComponent(config),
    asnComponent(config),
    anonymousIpComponent(config),
    torComponent(config),
    networkClassesComponent(config),
    publishedListComponent('x4bnet-vpn', 'vpn', 'vpnList', config.vpnListV4Path, config.vpnListV6Path),
    publishedListComponent(
      'x4bnet-datacenter',
      'hosting',
      'datacenterList',
      config.datacenterListV4Path,
      config.datacenterListV6Path,
    ),
    rangeListComponent('vpn-ranges', config.vpnRangesPath, 'vpnRanges'),
    rangeListComponent('proxy-ranges', config.proxyRangesPath, 'proxyRanges'),
    operatorListsComponent(config),
  ].filter((c): c is DataComponent => c !== undefined);
}
