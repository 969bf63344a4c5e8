import { type Filter, parseFilter } from './web/console.filters';

export const CONSOLE_EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ConsoleExportFormat = (typeof CONSOLE_EXPORT_FORMATS)[number];

export interface ConsoleExportForm {
  token: string;
  format: ConsoleExportFormat;
  filter: Filter;
}

/** The single field of the console's export form; its value is the JSON of {@link ConsoleExportForm}. */
export const EXPORT_FIELD = 'q';

/**
 * Reads the body of the console's export form. The form is posted as `text/plain` (`q=<json>\r\n`), which
 * Fastify reads as a string without another body parser; the JSON value escapes every newline, so the one
 * field cannot be confused with another. Throws a message fit for a 400 on anything else.
 */
export function parseExportForm(body: unknown): ConsoleExportForm {
  if (typeof body !== 'string' || !body.startsWith(`${EXPORT_FIELD}=`))
    throw new Error('expected the console export form (text/plain, one field q)');
  let value: unknown;
  try {
    value = JSON.parse(body.slice(EXPORT_FIELD.length + 1).trim());
  } catch {
    throw new Error('the export form is not JSON');
  }
  if (typeof value !== 'object' || value === null) throw new Error('the export form is not an object');
  const { token, format, filter, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new Error(`unknown export field ${JSON.stringify(extra[0])}`);
  if (typeof token !== 'string' || !/^[\x21-\x7e]{1,512}$/.test(token))
    throw new Error('auditor token required');
  if (!CONSOLE_EXPORT_FORMATS.includes(format as ConsoleExportFormat))
    throw new Error('format must be csv or ndjson');
  return { token, format: format as ConsoleExportFormat, filter: parseFilter(filter ?? {}) };
}
