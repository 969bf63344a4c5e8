import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { contentHash, parseCsl, parseOfacSdn, type LoadedList } from './sanctions.parser';

/** The shipped default lists (2021 snapshots, see data/sanctions/versions.json). */
export const DEFAULT_SANCTIONS_DIR = join(__dirname, '..', '..', 'data', 'sanctions');

export interface SanctionsSources {
  sdnPath: string;
  altPath?: string;
  addPath?: string;
  /** Consolidated Screening List; omitted → OFAC only. */
  cslPath?: string;
  /** List dates; default: the shipped snapshot's date for the shipped files, else the file's modification date. */
  sdnDate?: string;
  cslDate?: string;
}

export function defaultSources(): SanctionsSources {
  return {
    sdnPath: join(DEFAULT_SANCTIONS_DIR, 'ofac-sdn.csv'),
    altPath: join(DEFAULT_SANCTIONS_DIR, 'ofac-alt.csv'),
    addPath: join(DEFAULT_SANCTIONS_DIR, 'ofac-add.csv'),
    cslPath: join(DEFAULT_SANCTIONS_DIR, 'csl-sample.csv'),
  };
}

interface ShippedVersions {
  [list: string]: { date: string; files: string[] };
}

async function shippedDate(list: string, path: string): Promise<string | undefined> {
  if (!path.startsWith(DEFAULT_SANCTIONS_DIR)) return undefined;
  const versions = JSON.parse(
    await readFile(join(DEFAULT_SANCTIONS_DIR, 'versions.json'), 'utf8'),
  ) as ShippedVersions;
  return versions[list]?.date;
}

async function mtimeDate(path: string): Promise<string> {
  return (await stat(path)).mtime.toISOString().slice(0, 10);
}

/** Reads and parses every configured list; the files are read as UTF-8 (OFAC's are ASCII). */
export async function loadSanctionsLists(sources: SanctionsSources): Promise<LoadedList[]> {
  const read = (p: string | undefined): Promise<string | undefined> =>
    p === undefined ? Promise.resolve(undefined) : readFile(p, 'utf8');
  const [sdn, alt, add, csl] = await Promise.all([
    readFile(sources.sdnPath, 'utf8'),
    read(sources.altPath),
    read(sources.addPath),
    read(sources.cslPath),
  ]);
  const sdnDate =
    sources.sdnDate ?? (await shippedDate('ofac-sdn', sources.sdnPath)) ?? (await mtimeDate(sources.sdnPath));
  const lists = [parseOfacSdn({ sdn, alt, add }, sdnDate, contentHash(sdn, alt ?? '', add ?? ''))];
  if (csl !== undefined && sources.cslPath !== undefined) {
    const cslDate =
      sources.cslDate ?? (await shippedDate('csl', sources.cslPath)) ?? (await mtimeDate(sources.cslPath));
    lists.push(parseCsl(csl, cslDate, contentHash(csl)));
  }
  return lists;
}
