import { parseIpAddress } from '../ip.address';
import { dataLines } from './data-lines.reader';

/**
 * Tor Project bulk exit list (one address a line); also accepts `ExitAddress <ip> ...` lines of exit-addresses.
 * `what` names the list in errors (the component passes its file).
 */
export function parseTorList(text: string, what = 'tor exit list'): Set<string> {
  const addresses = new Set<string>();
  for (const { line, text: t } of dataLines(text)) {
    const token = t.startsWith('ExitAddress ') ? t.split(/\s+/)[1]! : t;
    if (/^(ExitNode|Published|LastStatus) /.test(t)) continue;
    try {
      addresses.add(parseIpAddress(token).text);
    } catch {
      throw new Error(`${what} line ${line}: not an address: ${JSON.stringify(token.slice(0, 64))}`);
    }
  }
  // An empty list would silently switch Tor detection off: refuse it, the old list stays.
  if (addresses.size === 0) throw new Error(`${what} has no addresses`);
  return addresses;
}
