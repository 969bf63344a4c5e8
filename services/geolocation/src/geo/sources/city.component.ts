import { DbipCityDatabase, MaxMindCityDatabase } from '../city.database';
import type { GeoDataConfig } from '../geo-data.config';
import { mmdbComponent, type DataComponent } from './data.component';
import { openMmdb } from './data-file.provenance';

/** Country, subdivision and city: MaxMind City when configured, else the two DB-IP Lite files. */
export function cityComponent(config: GeoDataConfig): DataComponent {
  if (config.maxmindCityPath) {
    return mmdbComponent('city', config.maxmindCityPath, 'maxmind-city', (reader) => ({
      city: new MaxMindCityDatabase(reader),
      cityDatasetName: 'maxmind-city',
    }));
  }
  const { dbipCityV4Path: v4, dbipCityV6Path: v6 } = config;
  return {
    name: 'city',
    files: [v4, v6],
    load: async () => {
      const [a, b] = await Promise.all([openMmdb(v4), openMmdb(v6)]);
      return {
        part: { city: new DbipCityDatabase(a.reader, b.reader), cityDatasetName: 'dbip-city-lite' },
        datasets: [{ name: 'dbip-city-lite', version: `${a.version}; ${b.version}` }],
      };
    },
  };
}
