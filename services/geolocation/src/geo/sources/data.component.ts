import { readFile } from 'node:fs/promises';
import type { DatasetVersionV1 } from '@clearance/contracts';
import type { MmdbReader } from '../city.database';
import type { GeoSnapshot } from '../geo.snapshot';
import { openMmdb } from './data-file.provenance';

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

/** A component of one file, read whole: `load` turns its bytes into the part and its data set. */
export function fileComponent(
  name: string,
  file: string,
  load: (raw: Buffer) => LoadedPart | Promise<LoadedPart>,
): DataComponent {
  return { name, files: [file], load: async () => load(await readFile(file)) };
}

/** A component of one MaxMind `.mmdb` file; the data set is `dataset` at the file's build. */
export function mmdbComponent(
  name: string,
  file: string,
  dataset: string,
  part: (reader: MmdbReader) => SnapshotPart,
): DataComponent {
  return {
    name,
    files: [file],
    load: async () => {
      const db = await openMmdb(file);
      return { part: part(db.reader), datasets: [{ name: dataset, version: db.version }] };
    },
  };
}

/** A component whose file is not configured: it always provides `part` (an empty list) and no data set. */
export function absentComponent(name: string, part: SnapshotPart): DataComponent {
  return { name, files: [], load: () => Promise.resolve({ part, datasets: [] }) };
}
