import { CidrSet } from '../cidr.set';
import { absentComponent, fileComponent, type DataComponent } from './data.component';
import { sha256 } from './data-file.provenance';
import { parseRangeList } from './range-list.parser';

/** The operator's own VPN or proxy ranges, added to the published lists; empty when not configured. */
export function rangeListComponent(
  name: 'vpn-ranges' | 'proxy-ranges',
  file: string | undefined,
  key: 'vpnRanges' | 'proxyRanges',
): DataComponent {
  if (!file) return absentComponent(name, { [key]: new CidrSet<string>() });
  return fileComponent(name, file, (raw) => {
    const set = parseRangeList(raw.toString('utf8'), `${name} ${file}`);
    return {
      part: { [key]: set },
      datasets: [{ name, version: `${set.size} ranges; sha256 ${sha256(raw)}` }],
    };
  });
}
