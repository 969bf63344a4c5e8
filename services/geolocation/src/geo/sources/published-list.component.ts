import { readFile, stat } from 'node:fs/promises';
import type { AnonymizerSignalV1 } from '@clearance/contracts';
import { RangeIndex } from '../range.index';
import type { DataComponent } from './data.component';
import { sha256 } from './data-file.provenance';
import { parsePublishedList } from './published-list.parser';

/**
 * The published lists shipped in data/x4bnet (X4BNet lists_vpn as of 2026-08-22, MIT), by sha256: lets
 * provenance name their date when the files are the shipped ones.
 */
export const SHIPPED_X4BNET_LISTS = {
  date: '2026-08-22',
  source: 'https://github.com/X4BNet/lists_vpn (MIT, (c) 2024 X4B)',
  sha256: new Set([
    'd9c11123704770e307f814d36c5bdbdd1997c65c9f3de7ca3a95aa9fa0d5d7e3', // output/vpn/ipv4.txt
    '5b91e26f6706d20307b4f329ce2f148cfa17d5939d9c367962e2b91b65333d0a', // output/vpn/ipv6.txt
    '3d24d6e3c0b0aecea1d8eed1f91fc0d563bba6dd80b8e13383e13a562758a0c5', // output/datacenter/ipv4.txt
    'fb1c6e465fed11612a620e54810891d877ba65d71b4d049759511a5d4273b7fc', // output/datacenter/ipv6.txt
  ]),
} as const;

/** A published IPv4 + IPv6 list pair: every range raises a `kind` signal named after the list. */
export function publishedListComponent(
  name: 'x4bnet-vpn' | 'x4bnet-datacenter',
  kind: 'vpn' | 'hosting',
  key: 'vpnList' | 'datacenterList',
  v4: string,
  v6: string,
): DataComponent {
  return {
    name,
    files: [v4, v6],
    load: async () => {
      const [a, b] = await Promise.all([readFile(v4), readFile(v6)]);
      const signal = (cidr: string): AnonymizerSignalV1 => ({ kind, source: name, detail: cidr });
      const entries = [
        ...parsePublishedList(a.toString('utf8'), `${name} ${v4}`, signal),
        ...parsePublishedList(b.toString('utf8'), `${name} ${v6}`, signal),
      ];
      let index: RangeIndex<AnonymizerSignalV1>;
      try {
        index = RangeIndex.build(entries);
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`);
      }
      // An empty list would silently switch the signal off: refuse it, the old list stays.
      if (index.v4Count === 0) throw new Error(`${name}: ${v4} has no ranges`);
      const hashes = [sha256(a), sha256(b)];
      const shipped = hashes.every((h) => SHIPPED_X4BNET_LISTS.sha256.has(h));
      const date = shipped
        ? SHIPPED_X4BNET_LISTS.date
        : new Date(Math.max((await stat(v4)).mtimeMs, (await stat(v6)).mtimeMs)).toISOString();
      return {
        part: { [key]: index },
        datasets: [
          {
            name,
            version:
              `${shipped ? `snapshot ${date}` : `files modified ${date}`}; ${index.size} ranges ` +
              `(${index.v4Count} IPv4, ${index.v6Count} IPv6); ipv4 sha256 ${hashes[0]}; ipv6 sha256 ${hashes[1]}`,
            date,
            source: shipped ? SHIPPED_X4BNET_LISTS.source : `${v4}, ${v6}`,
            count: index.size,
          },
        ],
      };
    },
  };
}
