const DOS_EOF = String.fromCharCode(0x1a);

/**
 * RFC 4180 CSV parser: quoted fields with embedded commas, line breaks and doubled quotes; CRLF or LF rows.
 * Hand-written on purpose, measured: `csv-parse/sync` (6.2, `relax_quotes`, `relax_column_count`,
 * `skip_empty_lines`) gives the same rows for every shipped list (14,965 + 11,910 + 13,837 + 116, no difference)
 * but took 317 / 163 / 175 ms against 51 / 39 / 27 ms here (2026-12-01, one run each, load ~4), at every start
 * and reload. A field is sliced out of the text in runs, not built a character at a time: one string per
 * character made the 5 MB of the shipped lists ~120 MiB of heap while they were parsed (docs/performance.md,
 * "Verification memory").
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  // start of the characters of the current field not yet copied into `field`
  let run = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (quoted) {
      if (ch === 0x22) {
        field += text.slice(run, i);
        if (text.charCodeAt(i + 1) === 0x22) {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
        run = i + 1;
      }
      continue;
    }
    if (ch === 0x22 && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      run = i + 1;
    } else if (ch === 0x2c) {
      row.push(field + text.slice(run, i));
      field = '';
      fieldStarted = false;
      run = i + 1;
    } else if (ch === 0x0a || ch === 0x0d) {
      row.push(field + text.slice(run, i));
      if (ch === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
      rows.push(row);
      row = [];
      field = '';
      fieldStarted = false;
      run = i + 1;
    } else {
      fieldStarted = true;
    }
  }
  if (fieldStarted || row.length > 0) {
    row.push(field + text.slice(run, n));
    rows.push(row);
  }
  // OFAC files end with a DOS end-of-file byte (0x1A) on its own line; blank lines carry no record either.
  return rows.filter((r) => !(r.length === 1 && (r[0] ?? '').split(DOS_EOF).join('').trim() === ''));
}

/** OFAC writes `-0- ` for an empty field. */
export function ofacField(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' || trimmed === '-0-' ? undefined : trimmed;
}

/** Rows of a CSV with a header line, as objects keyed by the header names. */
export function parseCsvWithHeader(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  if (!header) return [];
  const keys = header.map((h) => h.trim());
  return rows.map((r) => Object.fromEntries(keys.map((k, i) => [k, r[i] ?? ''])));
}
