import type { DatasetVersionV1 } from '@clearance/contracts';
import type { GeoSnapshot } from '../geo.snapshot';

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

/** A component whose file is not configured: it always provides `part` (an empty list) and no data set. */
export function absentComponent(name: string, part: SnapshotPart): DataComponent {
  return { name, files: [], load: () => Promise.resolve({ part, datasets: [] }) };
}
