import { MmdbLookup } from '../city.database';
import type { GeoDataConfig } from '../geo-data.config';
import { mmdbComponent, type DataComponent } from './data.component';

/** MaxMind Anonymous-IP, only when configured (there is no free default). */
export function anonymousIpComponent(config: GeoDataConfig): DataComponent | undefined {
  const file = config.maxmindAnonymousIpPath;
  if (!file) return undefined;
  return mmdbComponent('anonymous-ip', file, 'maxmind-anonymous-ip', (reader) => ({
    anonymousIp: new MmdbLookup(reader),
  }));
}
