import { readFile } from 'node:fs/promises';
import type { GeoDataConfig } from '../geo-data.config';
import type { DataComponent } from './data.component';
import { sha256 } from './data-file.provenance';
import { parseNetworkClasses } from './network-classes.parser';

export function networkClassesComponent(config: GeoDataConfig): DataComponent {
  const file = config.networkClassesPath;
  return {
    name: 'network-classes',
    files: [file],
    load: async () => {
      const raw = await readFile(file);
      const networkClasses = parseNetworkClasses(file, raw.toString('utf8'));
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
