import type { AnonymizerSignalV1 } from '@clearance/contracts';
import { cidrOf } from '../cidr.set';
import { dataLines } from './data-lines.reader';

/** One CIDR a line (comments and blank lines allowed), every line's signal built once at load. */
export function parsePublishedList(
  text: string,
  what: string,
  signal: (cidr: string) => AnonymizerSignalV1,
): [string, AnonymizerSignalV1][] {
  const out: [string, AnonymizerSignalV1][] = [];
  for (const { line, text: t } of dataLines(text)) {
    const cidr = t.split(/\s+/)[0]!;
    // checked here, not only when the index is built, so that a bad prefix length (`/33`) names its line
    if (cidrOf(cidr) === undefined)
      throw new Error(`${what} line ${line}: not a CIDR: ${JSON.stringify(cidr.slice(0, 64))}`);
    out.push([cidr, Object.freeze(signal(cidr))]);
  }
  return out;
}
