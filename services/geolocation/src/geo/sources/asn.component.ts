import { readFile } from 'node:fs/promises';
import { AsnIndex } from '../asn.index';
import { MaxMindAsnSource } from '../city.database';
import type { GeoDataConfig } from '../geo-data.config';
import { mmdbComponent, type DataComponent } from './data.component';
import { packageOf, sha256 } from './data-file.provenance';

/** ASN and network owner: MaxMind ASN/ISP when configured, else the two ip-location-db CSVs. */
export function asnComponent(config: GeoDataConfig): DataComponent {
  if (config.maxmindAsnPath) {
    return mmdbComponent('asn', config.maxmindAsnPath, 'maxmind-asn', (reader) => ({
      asn: new MaxMindAsnSource(reader),
    }));
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
