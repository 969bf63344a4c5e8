import { CidrSet } from '../cidr.set';
import type { GeoDataConfig } from '../geo-data.config';
import type { OperatorListTag } from '../geo.snapshot';
import { absentComponent, fileComponent, type DataComponent } from './data.component';
import { sha256 } from './data-file.provenance';
import { parseOperatorLists } from './operator-lists.parser';

/** The operator's allow/deny CIDR groups; empty when not configured. */
export function operatorListsComponent(config: GeoDataConfig): DataComponent {
  const file = config.operatorListsPath;
  if (!file) return absentComponent('operator-lists', { operatorLists: new CidrSet<OperatorListTag>() });
  return fileComponent('operator-lists', file, (raw) => {
    const operatorLists = parseOperatorLists(file, raw.toString('utf8'));
    return {
      part: { operatorLists },
      datasets: [{ name: 'operator-lists', version: `${operatorLists.size} ranges; sha256 ${sha256(raw)}` }],
    };
  });
}
