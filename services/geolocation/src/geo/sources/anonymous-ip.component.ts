import { MmdbLookup } from '../city.database';
import type { GeoDataConfig } from '../geo-data.config';
import type { DataComponent } from './data.component';
import { openMmdb } from './data-file.provenance';

/** MaxMind Anonymous-IP, only when configured (there is no free default). */
export function anonymousIpComponent(config: GeoDataConfig): DataComponent | undefined {
  const file = config.maxmindAnonymousIpPath;
  if (!file) return undefined;
  return {
    name: 'anonymous-ip',
    files: [file],
    load: async () => {
      const db = await openMmdb(file);
      return {
        part: { anonymousIp: new MmdbLookup(db.reader) },
        datasets: [{ name: 'maxmind-anonymous-ip', version: db.version }],
      };
    },
  };
}
