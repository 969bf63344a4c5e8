import { getMetadataStorage, type MetadataStorage } from 'class-validator';

type Grouped = Record<string, ValidationMetadata[]>;
type Lookup = MetadataStorage['getTargetValidationMetadatas'];
type Target = Parameters<Lookup>[0];
type ValidationMetadata = ReturnType<Lookup>[number];

const INSTALLED = Symbol.for('clearance.validationMetadataCache');

/**
 * Memoizes class-validator's `getTargetValidationMetadatas` (and the grouping by property that follows it) on the
 * process's metadata storage. Unmemoized it scans every registered class (`instanceof` per entry) on every
 * validate and every nested object: ~550 µs of each ingest request (typestack/class-validator#2686; the same fix
 * as twentyhq/twenty#24085). The answer depends only on the arguments and on the registered metadata, so it is
 * cached per (target, schema, always, strictGroups, groups) and the cache is dropped whenever a decorator (or a
 * mapped type) registers more metadata. The cached arrays are frozen: no caller may change a shared answer.
 * Idempotent; returns the storage.
 */
export function memoizeValidationMetadata(storage: MetadataStorage = getMetadataStorage()): MetadataStorage {
  const patched = storage as MetadataStorage & { [INSTALLED]?: true };
  if (patched[INSTALLED]) return storage;
  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const addMetadata = storage.addValidationMetadata.bind(storage);
  let byTarget = new Map<Target, Map<string, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Grouped>();

  Object.defineProperties(storage, {
    [INSTALLED]: { value: true },
    getTargetValidationMetadatas: {
      configurable: true,
      value: (
        target: Target,
        schema: string,
        always: boolean,
        strictGroups: boolean,
        groups?: string[],
      ): ValidationMetadata[] => {
        // the common call (no schema, no groups) gets a two-letter key: stringifying every call showed in the profile
        const key =
          (schema === undefined || schema === null) && groups === undefined
            ? `${always ? 'a' : '-'}${strictGroups ? 's' : '-'}`
            : JSON.stringify([schema ?? null, always, strictGroups, groups ?? null]);
        let forTarget = byTarget.get(target);
        if (forTarget === undefined) byTarget.set(target, (forTarget = new Map()));
        let found = forTarget.get(key);
        if (found === undefined) {
          found = Object.freeze(lookup(target, schema, always, strictGroups, groups)) as ValidationMetadata[];
          forTarget.set(key, found);
        }
        return found;
      },
    },
    groupByPropertyName: {
      configurable: true,
      value: (metadata: ValidationMetadata[]): Grouped => {
        if (!Object.isFrozen(metadata)) return group(metadata);
        let byProperty = grouped.get(metadata);
        if (byProperty === undefined) {
          const fresh = group(metadata);
          for (const list of Object.values(fresh)) Object.freeze(list);
          grouped.set(metadata, (byProperty = Object.freeze(fresh)));
        }
        return byProperty;
      },
    },
    addValidationMetadata: {
      configurable: true,
      value: (metadata: ValidationMetadata): void => {
        byTarget = new Map();
        grouped = new WeakMap();
        addMetadata(metadata);
      },
    },
  });
  return storage;
}
