import { stat } from 'node:fs/promises';
import type { GeoDataConfig } from '../geo-data.config';
import type { TorExitList } from '../geo.snapshot';
import { fileComponent, type DataComponent } from './data.component';
import { sha256 } from './data-file.provenance';
import { parseTorList } from './tor-list.parser';

/** sha256 of the 2024-02-27 snapshot shipped as data/tor-exit-nodes.lst: lets provenance name its date. */
export const SHIPPED_TOR_SNAPSHOT = {
  sha256: '964f40143e388f40eebef3e9fe1099ffd3d998e9a3e6df42f481adbf578b7898',
  date: '2024-02-27',
} as const;

export function torComponent(config: GeoDataConfig): DataComponent {
  const file = config.torListPath;
  return fileComponent('tor', file, async (raw) => {
    const addresses = parseTorList(raw.toString('utf8'), `tor exit list ${file}`);
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
  });
}
