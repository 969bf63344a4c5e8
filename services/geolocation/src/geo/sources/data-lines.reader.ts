/** Comment (`#`) and blank-line tolerant line reader for the list files; `line` is 1-based. */
export function dataLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.replace(/#.*$/, '').trim();
    if (t) out.push({ line: i + 1, text: t });
  });
  return out;
}
