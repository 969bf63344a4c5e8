import { CidrSet } from '../cidr.set';
import { dataLines } from './data-lines.reader';

/** `CIDR [label]` a line; the label (or the CIDR itself) becomes the signal's detail; `what` names the list in errors. */
export function parseRangeList(text: string, what: string): CidrSet<string> {
  const set = new CidrSet<string>();
  for (const { line, text: t } of dataLines(text)) {
    const [cidr, ...label] = t.split(/\s+/);
    try {
      set.add(cidr!, label.length > 0 ? label.join(' ') : cidr!);
    } catch {
      throw new Error(`${what} line ${line}: not a CIDR: ${JSON.stringify(cidr!.slice(0, 64))}`);
    }
  }
  return set;
}
