import type { GeoDataConfig } from '../geo-data.config';
import { anonymousIpComponent } from './anonymous-ip.component';
import { asnComponent } from './asn.component';
import { cityComponent } from './city.component';
import type { DataComponent } from './data.component';
import { networkClassesComponent } from './network-classes.component';
import { operatorListsComponent } from './operator-lists.component';
import { publishedListComponent } from './published-list.component';
import { rangeListComponent } from './range-list.component';
import { torComponent } from './tor-list.component';

/** Every data component the configuration asks for, in a stable order (provenance lists them in it). */
export function dataComponents(config: GeoDataConfig): DataComponent[] {
  return [
    cityComponent(config),
    asnComponent(config),
    anonymousIpComponent(config),
    torComponent(config),
    networkClassesComponent(config),
    publishedListComponent('x4bnet-vpn', 'vpn', 'vpnList', config.vpnListV4Path, config.vpnListV6Path),
    publishedListComponent(
      'x4bnet-datacenter',
      'hosting',
      'datacenterList',
      config.datacenterListV4Path,
      config.datacenterListV6Path,
    ),
    rangeListComponent('vpn-ranges', config.vpnRangesPath, 'vpnRanges'),
    rangeListComponent('proxy-ranges', config.proxyRangesPath, 'proxyRanges'),
    operatorListsComponent(config),
  ].filter((c): c is DataComponent => c !== undefined);
}
