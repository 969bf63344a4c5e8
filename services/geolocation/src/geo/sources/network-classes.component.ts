import type { GeoDataConfig } from '../geo-data.config';
import { fileComponent, type DataComponent } from './data.component';
import { sha256 } from './data-file.provenance';
import { parseNetworkClasses } from './network-classes.parser';

export function networkClassesComponent(config: GeoDataConfig): DataComponent {
  const file = config.networkClassesPath;
  return fileComponent('network-classes', file, (raw) => {
    const networkClasses = parseNetworkClasses(file, raw.toString('utf8'));
    const { version, byAsn, regionByAsn, relayByAsn } = networkClasses;
    return {
      part: { networkClasses },
      datasets: [
        {
          name: 'network-classes',
          version: `${version}; ${byAsn.size} ASNs; ${regionByAsn.size} region operators; ${relayByAsn.size} relay operators; sha256 ${sha256(raw)}`,
        },
      ],
    };
  });
}
